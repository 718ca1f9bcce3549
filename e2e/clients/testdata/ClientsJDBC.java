// ClientsJDBC drives pgJDBC through what applications and BI tools use and
// prints every result in a normalised text form. The Go test runs it
// against PostgreSQL and against Conflux and compares the two outputs line
// by line; a line starting with "FAIL" is an assertion this program made
// itself (a value read back differs from the value written).
import java.math.BigDecimal;
import java.sql.*;
import java.time.*;
import java.util.*;

public class ClientsJDBC {
  static int failures = 0;

  static void out(String s) { System.out.println(s); }

  static void check(String what, Object got, Object want) {
    if (!Objects.equals(got, want)) {
      failures++;
      out("FAIL " + what + ": got " + got + ", want " + want);
    }
  }

  // printRS prints selected columns of every row, sorted when asked so that
  // row order the JDBC spec leaves open does not matter.
  static void printRS(String title, ResultSet rs, String[] cols, boolean sort) throws SQLException {
    List<String> rows = new ArrayList<>();
    while (rs.next()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols.length; i++) {
        if (i > 0) sb.append(" | ");
        Object v = rs.getObject(cols[i]);
        sb.append(v == null ? "NULL" : v.toString());
      }
      rows.add(sb.toString());
    }
    rs.close();
    if (sort) Collections.sort(rows);
    out(title + " (" + rows.size() + " rows)");
    for (String r : rows) out("  " + r);
  }

  static void step(String name, Callable c) {
    try {
      c.call();
    } catch (Exception e) {
      String state = e instanceof SQLException ? ((SQLException) e).getSQLState() : e.getClass().getSimpleName();
      out(name + ": error " + state + " " + e.getMessage().split("\n")[0]);
    }
  }

  interface Callable { void call() throws Exception; }

  public static void main(String[] args) throws Exception {
    Connection c = DriverManager.getConnection(args[0]);
    Statement st = c.createStatement();
    for (String s : new String[] {
        "drop view if exists jv", "drop table if exists jtypes", "drop table if exists jorders", "drop table if exists jcustomers",
        "create table jcustomers (id int primary key, name text not null, email varchar(100) unique)",
        "create table jorders (id bigint primary key, customer_id int not null, amount numeric(12,2), placed date default current_date, note text)",
        "create index jorders_customer on jorders (customer_id)",
        "create view jv as select c.name, o.amount from jcustomers c join jorders o on o.customer_id = c.id",
        "create table jtypes (id int primary key, b boolean, i2 smallint, i8 bigint, f4 real, f8 double precision, n numeric(20,5), " +
            "t text, vc varchar(10), ch char(3), by bytea, d date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid, j jsonb, arr int[])",
    }) st.execute(s);

    step("types", () -> {
      PreparedStatement ps = c.prepareStatement("insert into jtypes values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?::interval,?,?::jsonb,?)");
      ps.setInt(1, 1);
      ps.setBoolean(2, true);
      ps.setShort(3, (short) -7);
      ps.setLong(4, 9007199254740993L);
      ps.setFloat(5, 1.5f);
      ps.setDouble(6, -2.25);
      ps.setBigDecimal(7, new BigDecimal("12345.67891"));
      ps.setString(8, "héllo");
      ps.setString(9, "short");
      ps.setString(10, "ab");
      ps.setBytes(11, new byte[] {0, 1, (byte) 0xff});
      ps.setObject(12, LocalDate.of(2024, 2, 29));
      ps.setObject(13, LocalTime.of(13, 45, 30));
      ps.setObject(14, LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123456000));
      ps.setObject(15, OffsetDateTime.of(2024, 2, 29, 13, 45, 30, 0, ZoneOffset.UTC));
      ps.setString(16, "1 day 02:03:04");
      ps.setObject(17, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
      ps.setString(18, "{\"k\": [1, 2]}");
      ps.setArray(19, c.createArrayOf("int4", new Integer[] {3, 1, 2}));
      check("insert count", ps.executeUpdate(), 1);
      ResultSet rs = st.executeQuery("select * from jtypes where id = 1");
      rs.next();
      check("bool", rs.getBoolean("b"), true);
      check("int2", rs.getShort("i2"), (short) -7);
      check("int8", rs.getLong("i8"), 9007199254740993L);
      check("float4", rs.getFloat("f4"), 1.5f);
      check("float8", rs.getDouble("f8"), -2.25);
      check("numeric", rs.getBigDecimal("n"), new BigDecimal("12345.67891"));
      check("text", rs.getString("t"), "héllo");
      check("varchar", rs.getString("vc"), "short");
      check("char", rs.getString("ch"), "ab ");
      check("bytea", Arrays.toString(rs.getBytes("by")), "[0, 1, -1]");
      check("date", rs.getObject("d", LocalDate.class), LocalDate.of(2024, 2, 29));
      check("time", rs.getObject("tm", LocalTime.class), LocalTime.of(13, 45, 30));
      check("timestamp", rs.getObject("ts", LocalDateTime.class), LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123456000));
      check("timestamptz", rs.getObject("tz", OffsetDateTime.class).toInstant(), Instant.parse("2024-02-29T13:45:30Z"));
      check("interval", rs.getString("iv"), "1 day 02:03:04");
      check("uuid", rs.getObject("u"), UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
      check("jsonb", rs.getString("j"), "{\"k\": [1, 2]}");
      check("array", Arrays.toString((Integer[]) rs.getArray("arr").getArray()), "[3, 1, 2]");
      ResultSetMetaData md = rs.getMetaData();
      List<String> cols = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++)
        cols.add(md.getColumnName(i) + ":" + md.getColumnTypeName(i) + ":" + md.getColumnType(i) + ":" + md.isNullable(i));
      out("resultset metadata " + cols);
    });

    step("batch", () -> {
      c.setAutoCommit(false);
      PreparedStatement ps = c.prepareStatement("insert into jcustomers values (?, ?, ?)");
      for (int i = 1; i <= 50; i++) {
        ps.setInt(1, i);
        ps.setString(2, "customer " + i);
        ps.setString(3, "c" + i + "@example.com");
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      check("batch size", counts.length, 50);
      PreparedStatement po = c.prepareStatement("insert into jorders (id, customer_id, amount, note) values (?, ?, ?, ?)");
      for (int i = 1; i <= 200; i++) {
        po.setLong(1, i);
        po.setInt(2, 1 + i % 50);
        po.setBigDecimal(3, new BigDecimal(i).movePointLeft(1));
        po.setString(4, i % 7 == 0 ? null : "n" + i);
        po.addBatch();
      }
      po.executeBatch();
      c.commit();
      ResultSet rs = st.executeQuery("select count(*), sum(amount) from jorders");
      rs.next();
      check("orders count", rs.getLong(1), 200L);
      check("orders sum", rs.getBigDecimal(2), new BigDecimal("2010.00"));
    });

    step("transactions", () -> {
      c.setAutoCommit(false);
      st.executeUpdate("update jorders set amount = 0 where id = 1");
      c.rollback();
      ResultSet rs = st.executeQuery("select amount from jorders where id = 1");
      rs.next();
      check("rolled back", rs.getBigDecimal(1), new BigDecimal("0.10"));
      c.commit();
      c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
      rs = st.executeQuery("show transaction_isolation");
      rs.next();
      check("isolation", rs.getString(1), "serializable");
      c.commit();
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      Savepoint sp = c.setSavepoint("s1");
      st.executeUpdate("update jorders set note = 'sp' where id = 2");
      c.rollback(sp);
      try {
        st.executeUpdate("insert into jcustomers values (1, 'dup', null)");
        check("duplicate", "no error", "23505");
      } catch (SQLException e) {
        check("duplicate", e.getSQLState(), "23505");
      }
      try {
        st.executeQuery("select 1");
        check("aborted", "no error", "25P02");
      } catch (SQLException e) {
        check("aborted", e.getSQLState(), "25P02");
      }
      c.rollback();
      c.setAutoCommit(true);
      rs = st.executeQuery("select note from jorders where id = 2");
      rs.next();
      check("savepoint", rs.getString(1), "n2");
    });

    c.setAutoCommit(true);
    DatabaseMetaData md = c.getMetaData();
    step("getTables", () -> printRS("getTables", md.getTables(null, "public", "j%", null),
        new String[] {"TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"}, true));
    step("getTables TABLE", () -> printRS("getTables TABLE", md.getTables(null, "public", "j%", new String[] {"TABLE"}),
        new String[] {"TABLE_NAME"}, true));
    step("getTables VIEW", () -> printRS("getTables VIEW", md.getTables(null, "public", "j%", new String[] {"VIEW"}),
        new String[] {"TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"}, true));
    step("getTables system", () -> printRS("getTables system", md.getTables(null, "pg_catalog", "pg_clas_", null),
        new String[] {"TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"}, true));
    step("getSchemas pattern", () -> printRS("getSchemas pattern", md.getSchemas(null, "pub%"),
        new String[] {"TABLE_SCHEM", "TABLE_CATALOG"}, true));
    step("getColumns view", () -> printRS("getColumns view", md.getColumns(null, "public", "jv", null),
        new String[] {"COLUMN_NAME", "TYPE_NAME", "DATA_TYPE", "NULLABLE", "ORDINAL_POSITION"}, false));
    step("getColumns", () -> printRS("getColumns", md.getColumns(null, "public", "j%", "%"),
        new String[] {"TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT"}, false));
    step("getPrimaryKeys", () -> printRS("getPrimaryKeys", md.getPrimaryKeys(null, "public", "jorders"),
        new String[] {"TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME"}, false));
    step("getImportedKeys", () -> printRS("getImportedKeys", md.getImportedKeys(null, "public", "jorders"),
        new String[] {"PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME"}, false));
    step("getIndexInfo", () -> printRS("getIndexInfo", md.getIndexInfo(null, "public", "jcustomers", false, false),
        new String[] {"TABLE_NAME", "NON_UNIQUE", "INDEX_NAME", "TYPE", "ORDINAL_POSITION", "COLUMN_NAME", "ASC_OR_DESC"}, true));
    step("getIndexInfo unique", () -> printRS("getIndexInfo unique", md.getIndexInfo(null, "public", "jorders", true, false),
        new String[] {"INDEX_NAME", "COLUMN_NAME"}, true));
    step("getSchemas", () -> printRS("getSchemas", md.getSchemas(),
        new String[] {"TABLE_SCHEM"}, true));
    step("getCatalogs", () -> printRS("getCatalogs", md.getCatalogs(), new String[] {"TABLE_CAT"}, true));
    step("getTableTypes", () -> printRS("getTableTypes", md.getTableTypes(), new String[] {"TABLE_TYPE"}, true));
    step("getTypeInfo", () -> {
      ResultSet rs = md.getTypeInfo();
      Set<String> want = new HashSet<>(Arrays.asList("bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text",
          "varchar", "bpchar", "bytea", "date", "time", "timestamp", "timestamptz", "interval", "uuid", "jsonb", "_int4"));
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        if (want.contains(rs.getString("TYPE_NAME")))
          rows.add(rs.getString("TYPE_NAME") + " | " + rs.getInt("DATA_TYPE") + " | " + rs.getInt("PRECISION") + " | " + rs.getBoolean("CASE_SENSITIVE") + " | " + rs.getShort("SEARCHABLE"));
      }
      Collections.sort(rows);
      out("getTypeInfo (" + rows.size() + " of our types)");
      for (String r : rows) out("  " + r);
    });
    step("getFunctions", () -> {
      ResultSet rs = md.getFunctions(null, "pg_catalog", "lower");
      int n = 0;
      while (rs.next()) n++;
      out("getFunctions lower: " + (n > 0 ? "found" : "missing"));
    });
    step("getFunctions details", () -> printRS("getFunctions details", md.getFunctions(null, "pg_catalog", "quote_ident"),
        new String[] {"FUNCTION_SCHEM", "FUNCTION_NAME", "FUNCTION_TYPE"}, true));
    step("getFunctionColumns", () -> printRS("getFunctionColumns", md.getFunctionColumns(null, "pg_catalog", "initcap", null),
        new String[] {"FUNCTION_NAME", "COLUMN_NAME", "COLUMN_TYPE", "DATA_TYPE", "TYPE_NAME", "ORDINAL_POSITION"}, true));
    step("misc metadata", () -> {
      out("identifier quote " + md.getIdentifierQuoteString());
      out("supports transactions " + md.supportsTransactions());
      out("default isolation " + md.getDefaultTransactionIsolation());
      out("max index keys " + (md.getMaxColumnsInIndex() > 0));
    });
    out(failures == 0 ? "ALL CHECKS PASSED" : failures + " CHECKS FAILED");
    c.close();
  }
}
