"""The transparent, financial-only score: a published points table anyone can add up."""
