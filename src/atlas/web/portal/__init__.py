"""The server-rendered web portal: public pages, partner area, steward area (see docs/portal.md)."""
