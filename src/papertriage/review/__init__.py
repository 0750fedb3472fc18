"""`papertriage review`: screen a listing paper by paper with the keyboard (highlight.py: what to colour)."""
