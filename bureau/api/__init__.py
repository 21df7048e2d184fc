"""HTTP edge shared by every domain: dependencies, problem+json, health."""
