# Replies, commitments and feedback change only through workflow transitions in the
# app's own pages, so they are not editable in the admin.
