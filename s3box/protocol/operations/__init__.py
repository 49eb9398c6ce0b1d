"""S3 request and response documents, one module per operation family.

Each module holds the XML parse and render functions of its operations side
by side, named after the operation (parse_delete_objects, render_delete_objects).
Pure code: bytes and records in, bytes and records out; no storage, no server.
"""
