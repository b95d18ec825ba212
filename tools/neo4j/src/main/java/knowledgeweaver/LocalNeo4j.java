package knowledgeweaver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Neo4j community, embedded in this JVM, serving Bolt on a loopback port: the real database the tests,
 * benchmarks and `weaver demo` on Neo4j talk to through the official Python driver, as production does.
 *
 * <p>Usage: {@code LocalNeo4j HOME PORT [setting=value ...]}. The password of user {@code neo4j} comes
 * from the environment ({@code KW_NEO4J_PASSWORD}), never the command line, where `ps` would show it.
 * Each extra argument is a Neo4j setting (e.g. {@code db.memory.transaction.max=256m}). With
 * {@code KW_NEO4J_PARENT_PID} set, the database shuts down when that process ends, so a test run that
 * is killed leaves no database behind. Prints one line, {@code ready bolt://127.0.0.1:PORT}, when Bolt
 * accepts connections; shuts down cleanly on SIGTERM/SIGINT.
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: LocalNeo4j HOME PORT [setting=value ...]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = System.getenv("KW_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("KW_NEO4J_PASSWORD must be set (8 characters or more)");
            System.exit(2);
        }
        Files.createDirectories(home);

        Map<String, String> config = new HashMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("server.http.enabled", "false");
        config.put("server.https.enabled", "false");
        config.put("dbms.security.auth_enabled", "true");
        config.put("dbms.usage_report.enabled", "false");
        config.put("server.memory.pagecache.size", "256m");
        // Vector indexes merge their Lucene segments 5 at a time instead of 50: with 50, a store that
        // takes a transcript at a time searched ~45 small HNSW graphs per question (vector step 64 ms
        // at 40 QMSum meetings, 832 ms p95 while ingesting; with 5: 20 and 59). docs/architecture.md
        config.put("internal.dbms.index.vector.standard_merge_factor", "5");
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("not a setting=value: " + args[i]);
                System.exit(2);
            }
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }

        // The builder takes typed settings or a properties file: the file keeps every setting a string,
        // as neo4j.conf has them, and shows what the database ran with.
        Path conf = home.resolve("neo4j.conf");
        StringBuilder lines = new StringBuilder();
        config.forEach((key, value) -> lines.append(key).append('=').append(value).append('\n'));
        Files.writeString(conf, lines.toString());
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));

        // A new database's user neo4j must change its password before any other statement; setting it
        // here (every start, so a changed KW_NEO4J_PASSWORD takes effect) leaves auth on, as in production.
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (RuntimeException e) {
            // a store started before with this password: Neo4j refuses to "change" it to itself
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }

        String parent = System.getenv("KW_NEO4J_PARENT_PID");
        if (parent != null && !parent.isBlank()) {
            ProcessHandle.of(Long.parseLong(parent.trim()))
                    .ifPresentOrElse(p -> p.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        }
        System.out.println("ready bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }
}
