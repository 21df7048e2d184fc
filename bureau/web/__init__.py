"""The subject's portal: server-rendered pages under /portal where a person uses every right.

Pages call the same services as the API (never HTTP to itself), so what a person sees and what
a developer gets are one code path, logged the same way.
"""
