-- The jengine shared store lives in its own database of the Temporal PostgreSQL server;
-- jengine creates its tables on first use.
CREATE DATABASE jengine OWNER temporal;
