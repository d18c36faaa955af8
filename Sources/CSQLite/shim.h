// SQLite for the outbox benchmark only (a peer to compare durable appends with).
// Needs libsqlite3-dev; .ci/run installs it.
#include <sqlite3.h>
