//! The HTTP client (Node's `http.request` / `http.get` and `Agent`).
