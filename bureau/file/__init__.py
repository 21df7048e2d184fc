"""The credit file: assembling everything held about a subject, and disclosing it."""
