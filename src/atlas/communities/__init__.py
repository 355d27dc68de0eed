"""Communities: profiles of an area, the origin-State (diaspora) view, trends, and the contingency directory.

Everything numeric here is read from protected tables; the directory of networks and focal points is
consent-gated personal data kept apart from the statistics.
"""
