"""Administrative geography: boundary sets with P-codes, names and parents, imported by users."""
