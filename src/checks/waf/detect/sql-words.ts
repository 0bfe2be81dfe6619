/**
 * Word classes for the SQL lexer: which words are logical operators, operator words, statement keywords, or
 * functions that matter in injections. Drawn from the SQL dialects of MySQL, PostgreSQL, SQL Server, Oracle and
 * SQLite; lower case.
 */

export const LOGICAL = new Set(['and', 'or', 'xor']);

/** Words that act as binary (or unary) operators. */
export const OPERATOR_WORDS = new Set(['notnull', 'isnull', 'like', 'rlike', 'ilike', 'regexp', 'similar', 'sounds', 'between', 'is', 'in', 'div', 'mod', 'not', 'collate', 'escape', 'glob', 'match', 'against', 'overlaps']);

/** Postfix operators (PostgreSQL, SQLite): `x notnull` is a whole condition. */
export const POSTFIX_OPERATORS = new Set(['notnull', 'isnull']);

/** Literal constants: they behave as values. */
export const CONSTANTS = new Set(['null', 'true', 'false', 'unknown', 'current_user', 'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'session_user', 'system_user', 'user']);

/** Statement and clause keywords. */
export const KEYWORDS = new Set([
  'select', 'from', 'where', 'having', 'group', 'order', 'by', 'limit', 'offset', 'fetch', 'into', 'outfile', 'dumpfile',
  'insert', 'update', 'delete', 'replace', 'merge', 'upsert', 'values', 'set', 'drop', 'create', 'alter', 'truncate', 'rename',
  'table', 'database', 'schema', 'view', 'index', 'procedure', 'function', 'trigger', 'exec', 'execute', 'declare', 'waitfor',
  'delay', 'time', 'shutdown', 'grant', 'revoke', 'begin', 'commit', 'rollback', 'case', 'when', 'then', 'else', 'end', 'all',
  'distinct', 'distinctrow', 'top', 'as', 'on', 'join', 'inner', 'outer', 'left', 'right', 'cross', 'natural', 'using',
  'asc', 'desc', 'with', 'recursive', 'returning', 'analyse', 'analyze', 'handler', 'load', 'data', 'infile', 'lock',
  'unlock', 'tables', 'show', 'describe', 'explain', 'pragma', 'attach', 'detach', 'vacuum', 'copy', 'call', 'do',
  'open', 'close', 'cursor', 'goto', 'kill', 'print', 'raiserror', 'reconfigure', 'backup', 'restore', 'bulk',
  'openrowset', 'opendatasource', 'openquery', 'dbcc', 'checkpoint', 'exists', 'any', 'some', 'intersect', 'except',
  'minus', 'window', 'partition', 'over',
]);

/**
 * Functions that are the payload of an injection rather than of normal queries: delays, out-of-band channels,
 * error-based extraction, file and command access. A value that is just a call to one of these is an attack.
 */
export const ATTACK_FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'waitfor', 'dbms_lock.sleep', 'dbms_pipe.receive_message',
  'dbms_session.sleep', 'randomblob', 'extractvalue', 'updatexml', 'xmltype', 'exp', 'geometrycollection', 'polygon',
  'multipoint', 'multipolygon', 'linestring', 'multilinestring', 'gtid_subset', 'json_keys', 'load_file', 'pg_read_file',
  'pg_ls_dir', 'lo_import', 'lo_export', 'xp_cmdshell', 'sys_eval', 'sys_exec', 'utl_inaddr.get_host_address',
  'utl_http.request', 'httpuritype', 'dbms_xmlgen.getxml', 'ctxsys.drithsx.sn', 'name_const', 'master_pos_wait',
  'get_lock', 'release_lock', 'make_set', 'elt', 'char', 'chr', 'nchar', 'concat', 'concat_ws', 'group_concat',
  'string_agg', 'listagg', 'version', 'database', 'schema', 'user', 'current_user', 'system_user', 'session_user',
  'db_name', 'host_name', 'suser_name', 'suser_sname', 'is_srvrolemember', 'has_dbaccess', 'convert', 'cast',
  'substring', 'substr', 'mid', 'ascii', 'ord', 'hex', 'unhex', 'bin', 'conv', 'if', 'iif', 'ifnull', 'nullif',
  'isnull', 'coalesce', 'length', 'len', 'char_length', 'count', 'rand', 'floor', 'md5', 'sha1', 'row_count',
  'found_rows', 'last_insert_id', 'connection_id', 'uuid', 'sqlite_version', 'load_extension', 'instr', 'locate',
  'position', 'strcmp', 'regexp_like', 'regexp_substr', 'lpad', 'rpad', 'reverse', 'repeat', 'space', 'unicode',
  'openrowset', 'opendatasource', 'quotename', 'to_char', 'to_number', 'decode', 'exists', 'json', 'json_valid', 'glob',
  'starts_with', 'lo_get', 'sqlite_compileoption_used', 'sqlite_compileoption_get', 'dbms_ldap.init',
]);

/** The strongest of these: a bare call of one of them is enough. */
export const PAYLOAD_FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'dbms_lock.sleep', 'dbms_pipe.receive_message',
  'dbms_session.sleep', 'extractvalue', 'updatexml', 'load_file', 'pg_read_file', 'pg_ls_dir', 'xp_cmdshell',
  'sys_eval', 'sys_exec', 'utl_inaddr.get_host_address', 'utl_http.request', 'httpuritype', 'dbms_xmlgen.getxml',
  'name_const', 'master_pos_wait', 'gtid_subset', 'randomblob', 'lo_import', 'lo_export', 'load_extension', 'xmltype',
]);

/** Statements that may follow `;` in a stacked query. */
export const STATEMENT_STARTS = new Set([
  'select', 'insert', 'update', 'delete', 'replace', 'merge', 'drop', 'create', 'alter', 'truncate', 'rename', 'exec',
  'execute', 'declare', 'waitfor', 'shutdown', 'grant', 'revoke', 'begin', 'set', 'call', 'do', 'handler', 'load',
  'show', 'describe', 'pragma', 'attach', 'copy', 'kill', 'print', 'raiserror', 'reconfigure', 'backup', 'restore',
  'bulk', 'dbcc', 'lock', 'with', 'if', 'commit', 'rollback', 'use', 'open', 'goto',
]);
