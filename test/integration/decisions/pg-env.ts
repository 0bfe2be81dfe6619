/** The PostgreSQL the tests use: the local server, trust auth. */
export const PG_URL = process.env.PORTCULLIS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
