// TLSCheck connects with pgJDBC to the URL given as its first argument and
// prints one line the Go test checks:
//
//   OK ssl=<pg_stat_ssl.ssl for this backend, or "none" when no row (a failure)>
//   ERROR <SQLState> <message>
//
// The URL carries the TLS settings (ssl=true&sslmode=verify-full&sslrootcert=...).
import java.sql.*;

public class TLSCheck {
  public static void main(String[] args) {
    try (Connection c = DriverManager.getConnection(args[0])) {
      String ssl = "none";
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
        if (rs.next()) {
          ssl = String.valueOf(rs.getBoolean(1));
        }
      }
      System.out.println("OK ssl=" + ssl);
    } catch (SQLException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage().replace('\n', ' ');
      System.out.println("ERROR " + e.getSQLState() + " " + msg);
    }
  }
}
