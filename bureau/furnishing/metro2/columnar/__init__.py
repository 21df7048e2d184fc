"""A vectorised Metro 2 reader and validator: a file read in blocks as a 2-D byte array,
fields decoded as columns and the declarative rules evaluated as column expressions over a
batch. The per-record path (parse.py, validate.py) explains the records that fail, so the
problems reported are the same either way."""
