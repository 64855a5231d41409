"""The synthetic society: citizens as struct-of-arrays, and their network."""
