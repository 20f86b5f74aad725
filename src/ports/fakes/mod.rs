//! In-memory doubles of the ports, for the use-case unit tests.
