package org.dtprobed.stash.dump;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.dtprobed.probestree.ProbesTreeCheck;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.stash.StashException;
import org.dtprobed.stash.StashReadAccess;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stash-dump}: shows a stash, from a stopped daemon or beside a running one (read-only,
 * without disturbing it), and checks it. Exit 0: consistent; 1: an inconsistency was found;
 * 64: bad usage; 66: no stash there; 74: the stash could not be read.
 */
@Command(name = "stash-dump", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, sortOptions = false,
        description = {"Shows the dtprobed stash and checks it for inconsistencies.", "",
            "Views:",
            "  summary        (default) format versions, entries per file, file sizes,",
            "                 counters, clean-shutdown flag, and the consistency check",
            "  pids           every pid: next generation, start time, executable",
            "                 (major:minor inode), registrations",
            "  registrations  every registration: pid/generation, module, mapping,",
            "                 load base, raw-DOF key and size, probes, commit time, stale",
            "  probes [DESC]  every per-probe record, or those matching DESC",
            "                 (provider:module:function:name, as dtprobe list reads it)",
            "  dof KEY        the raw DOF under KEY (64 hex digits, from 'registrations')",
            "                 decoded by the DOF parser, and the registrations using it",
            "  negative       the negative cache: file (major:minor inode), size, mtime,",
            "                 verdict, reason, recorded and expiry times",
            "",
            "Every view ends with the inconsistencies found (then the exit status is 1),",
            "the probes/ tree that Oracle's dtrace reads checked against the stash too.",
            "Numbers: JSON integers for machines; hex addresses, major:minor devices and",
            "ISO-8601 times for people (docs/PROTOCOL.md).",
            "Exit status: 0 consistent, 1 inconsistent, 64 usage, 66 no stash, 74 unreadable."})
public final class StashDump implements Callable<Integer> {
    static final int EX_INCONSISTENT = 1;
    static final int EX_USAGE = 64;
    static final int EX_NOINPUT = 66;
    static final int EX_IOERR = 74;

    /** The daemon's default state directory: {@code dtprobed --state-dir} means the same. */
    static final Path DEFAULT_STATE_DIR = Path.of("/run/dtrace");

    @Option(names = "--state-dir", paramLabel = "DIR", description = "the daemon's state directory, as given to"
            + " dtprobed --state-dir; the stash read is DIR/stash (default ${DEFAULT-VALUE})")
    Path stateDir = DEFAULT_STATE_DIR;

    @Option(names = "--json", description = "one JSON document instead of tables")
    boolean json;

    @Parameters(index = "0", arity = "0..1", paramLabel = "VIEW", defaultValue = "summary",
            description = "summary | pids | registrations | probes | dof | negative")
    String view;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ARG", description = "DESC for probes, KEY for dof")
    String arg;

    private PrintStream out;
    private PrintStream err;

    @Override
    public Integer call() {
        if (!List.of("summary", "pids", "registrations", "probes", "dof", "negative").contains(view)) {
            err.println("stash-dump: unknown view '" + printable(view) + "'; see --help");
            return EX_USAGE;
        }
        if (view.equals("dof") && arg == null) {
            err.println("stash-dump: 'dof' needs a KEY (64 hex digits)");
            return EX_USAGE;
        }
        if (arg != null && !view.equals("dof") && !view.equals("probes")) {
            err.println("stash-dump: view '" + view + "' takes no argument");
            return EX_USAGE;
        }
        if (!Files.isDirectory(stateDir.resolve("stash"))
                && Files.isRegularFile(stateDir.resolve(org.dtprobed.stash.StashFiles.REGISTRATIONS))) {
            err.println("stash-dump: " + stateDir + " holds the stash files itself; --state-dir takes the daemon's"
                    + " state directory, whose stash/ is read (here: --state-dir "
                    + stateDir.toAbsolutePath().getParent() + ")");
            return EX_USAGE;
        }
        try (StashReadAccess access = StashReadAccess.open(stateDir.resolve("stash"))) {
            return render(access);
        } catch (IllegalArgumentException e) {
            err.println("stash-dump: " + e.getMessage());
            return EX_USAGE;
        } catch (StashReadAccess.DamagedException e) {
            out.println("inconsistencies (" + e.files().size() + "):");
            e.files().forEach(p -> out.println("  " + p));
            err.println("stash-dump: " + e.getMessage());
            return EX_INCONSISTENT;
        } catch (StashException e) {
            err.println("stash-dump: " + e.getMessage());
            if (e.kind() == StashException.Kind.DAMAGED) {
                return EX_INCONSISTENT;
            }
            return e.getMessage().endsWith("no stash here") ? EX_NOINPUT : EX_IOERR;
        }
    }

    private int render(StashReadAccess access) throws StashException {
        if (access.recovered()) {
            err.println("stash-dump: the stash was not shut down cleanly; it was recovered first");
        }
        List<String> problems = new ArrayList<>(access.inconsistencies());
        try {
            problems.addAll(ProbesTreeCheck.problems(stateDir.resolve("probes"),
                    access.view().registrations(new ArrayList<>()), ProcFs.SYSTEM));
        } catch (java.io.IOException e) {
            problems.add("probes tree: cannot be read: " + e.getMessage());
        }
        DumpViews v = new DumpViews(access.view(), stateDir.resolve("stash"), access.live());
        if (json) {
            ObjectNode root = v.json(view, arg);
            root.putPOJO("inconsistencies", problems);
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            try {
                out.println(m.writeValueAsString(root));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            v.text(view, arg, out);
            if (problems.isEmpty()) {
                out.println("consistency: OK");
            } else {
                out.println("inconsistencies (" + problems.size() + "):");
                problems.forEach(p -> out.println("  " + printable(p)));
            }
        }
        return problems.isEmpty() ? 0 : EX_INCONSISTENT;
    }

    /** Escapes control characters so that stored names cannot garble a terminal. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    /** Runs with the given streams and returns the exit status (for tests and {@link #main}). */
    public static int run(PrintStream out, PrintStream err, String... args) {
        StashDump d = new StashDump();
        d.out = out;
        d.err = err;
        CommandLine cl = new CommandLine(d).setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true))
                .setParameterExceptionHandler((ex, a) -> {
                    err.println("stash-dump: " + ex.getMessage());
                    return EX_USAGE;
                });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        List<String> a = new ArrayList<>(List.of(args));
        System.exit(run(System.out, System.err, a.toArray(String[]::new)));
    }
}
