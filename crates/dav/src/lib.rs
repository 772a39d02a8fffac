//! DAV server (work in progress).
