"""PII redaction for speech: a normalizer reads spoken forms, detectors (one per category)
find spans, the redactor replaces them with typed placeholders and holds split finals."""
