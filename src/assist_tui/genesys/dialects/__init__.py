"""The seed stream dialects: each module translates one wire format into the model."""
