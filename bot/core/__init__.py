"""The platform-neutral core: events in, replies out, forms, delivery to other people."""
