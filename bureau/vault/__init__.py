"""The vault: identity data encrypted per subject, matched by blind indexes.

Plaintext identity never reaches the database. Each subject has a data key (AES-256-GCM),
wrapped by a master key from the key file; destroying a subject's wrapped keys makes every
ciphertext of that subject unrecoverable (crypto-shredding).
"""

from bureau.vault.keyring import KeyRing, KeyRingError
from bureau.vault.vault import SubjectCipher, Vault, VaultError

__all__ = ["KeyRing", "KeyRingError", "SubjectCipher", "Vault", "VaultError"]
