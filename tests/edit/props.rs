//! Property tests: random documents and random edit sequences never disturb other bytes.
