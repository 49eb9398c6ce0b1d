"""S3 operations on the wire, one module per operation family.

Each module holds, per operation and side by side, its typed input record
(`<Op>Input`), `parse_<op>` (request head, and the body bytes a handler read,
to the input, raising S3Error as S3 answers) and `render_<op>` (the engine's
typed result to a Response), with the XML documents they read and write.
Pure code: no storage, no server, no I/O.
"""
