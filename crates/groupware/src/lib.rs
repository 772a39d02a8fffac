//! Groupware domain (work in progress).
