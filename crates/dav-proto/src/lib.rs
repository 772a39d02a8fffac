//! WebDAV/CalDAV/CardDAV wire model (work in progress).
