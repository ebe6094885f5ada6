package org.dtprobed.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import org.dtprobed.protocol.Numbers;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.ProbeJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe list}: the probes the daemon knows, as {@code dtrace -l} shows them. */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class,
        exitCodeOnInvalidInput = 64, sortOptions = false,
        description = {"List probes like dtrace -l; ID is the row number of this listing.",
            "",
            "Probes are selected as dtrace(1) selects them: DESC and -n take provider:module:function:name "
                + "(fewer fields fill from the right; an empty field matches anything; *, ? and [...] glob; "
                + "the provider matches with or without its pid suffix); -P takes a provider, -m "
                + "[provider:]module and -f [[provider:]module:]function. Several select every probe any of "
                + "them matches; none selects every probe. Exits 1, with one line on stderr, when nothing "
                + "matches."})
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "DESC", description = "A probe description, as -n takes it.")
    List<String> positional = new ArrayList<>();

    @Option(names = {"-P", "--provider"}, paramLabel = "PROVIDER", description = "Probes of this provider (glob).")
    List<String> providers = new ArrayList<>();

    @Option(names = {"-m", "--module"}, paramLabel = "[PROVIDER:]MODULE", description = "Probes of this module.")
    List<String> modules = new ArrayList<>();

    @Option(names = {"-f", "--function"}, paramLabel = "[[PROVIDER:]MODULE:]FUNCTION",
            description = "Probes in this function.")
    List<String> functions = new ArrayList<>();

    @Option(names = {"-n", "--name", "--probe"}, paramLabel = "DESC",
            description = "Probes matching provider:module:function:name (or its right-hand fields).")
    List<String> names = new ArrayList<>();

    @Option(names = {"-p", "--pid"}, paramLabel = "PID", description = "Only probes of this process.")
    Integer pid;

    @Option(names = {"-v", "--verbose"}, description = "Also show argument types, sites and the mapping.")
    boolean verbose;

    @Option(names = "--json", description = "Print one JSON array of probe objects (docs/PROTOCOL.md).")
    boolean json;

    /** How the listing is printed. */
    enum Format { table, json, perf, bpftrace }

    @Option(names = "--format", paramLabel = "FORMAT", description = {"table (default), json (as --json), perf: the "
            + "uprobe_events line of every site, as publish defines it (append them to "
            + "/sys/kernel/tracing/uprobe_events, then perf record -e GROUP:EVENT), or bpftrace: the uprobe "
            + "attach point of every site (uprobe:FILE:ADDRESS)."})
    Format format = Format.table;

    @Override
    public Integer call() throws Exception {
        List<String> descs = descriptions();
        OptionalInt only = Dtprobe.pid(pid);
        Fetched got = fetch(parent, descs.isEmpty() ? List.of("") : descs, only);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Format f = json ? Format.json : format;
        switch (f) {
            case json -> printJson(got.probes(), out);
            case perf, bpftrace -> AttachPoints.print(got.probes(), f == Format.perf, out, err);
            default -> {
                if (!got.probes().isEmpty()) {
                    printTable(got.probes(), out);
                }
            }
        }
        out.flush();
        if (got.probes().isEmpty()) {
            err.println("dtprobe: " + nothing(descs, only, got.hidden()));
            return Dtprobe.EX_NOMATCH;
        }
        if (got.hidden() > 0) {
            err.println("dtprobe: " + hidden(got.hidden()) + " as well");
        }
        return 0;
    }

    /** Every selection as a four-field description, in the order given; a malformed one is a usage error. */
    List<String> descriptions() {
        List<String> out = new ArrayList<>();
        providers.forEach(p -> out.add(widen("-P", p, 1, ":::")));
        modules.forEach(m -> out.add(widen("-m", m, 2, "::")));
        functions.forEach(f -> out.add(widen("-f", f, 3, ":")));
        names.forEach(n -> out.add(checked("-n", n)));
        positional.forEach(d -> out.add(checked("DESC", d)));
        return out;
    }

    /** dtrace(1)'s -P/-m/-f: the given fields end at the option's field, the rest match anything. */
    private static String widen(String option, String value, int maxFields, String rest) {
        int fields = value.split(":", -1).length;
        if (fields > maxFields) {
            throw new IllegalArgumentException(option + " '" + value + "' has " + fields + " fields; " + option
                    + " takes at most " + maxFields + " (" + switch (maxFields) {
                        case 1 -> "provider";
                        case 2 -> "provider:module";
                        default -> "provider:module:function";
                    } + ")");
        }
        return checked(option, value + rest);
    }

    private static String checked(String option, String desc) {
        try {
            ProbeDescription.parse(desc);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
        return desc;
    }

    /** The one stderr line when nothing matched. */
    private static String nothing(List<String> descs, OptionalInt pid, long hidden) {
        String what = descs.isEmpty() ? "no probes" : "no probe matches " + String.join(" ", descs);
        String where = pid.isPresent() ? (descs.isEmpty() ? " of" : " in") + " pid " + pid.getAsInt()
                : descs.isEmpty() ? " are registered" : "";
        return what + where + (hidden > 0 ? " that you may see; " + hidden(hidden) : "");
    }

    private static String hidden(long n) {
        return (n == 1 ? "1 probe" : n + " probes") + " of other users' processes (shown only to root or their owner) "
                + (n == 1 ? "matches" : "match");
    }

    /** The probes of a listing and how many more the caller's scope hid. */
    record Fetched(List<ProbeEntry> probes, long hidden) {
    }

    /** The union of the probes each description matches, without repeats, in the daemon's order per description. */
    static Fetched fetch(Dtprobe parent, List<String> descs, OptionalInt pid) throws Exception {
        Set<ProbeEntry> all = new LinkedHashSet<>();
        long hidden = 0;
        try (DtprobedClient c = parent.connect()) {
            for (String d : descs) {
                DtprobedClient.Listing l = c.listing(d, pid);
                all.addAll(l.probes());
                hidden = Math.max(hidden, l.hidden()); // descriptions overlap: the largest is a lower bound
            }
        }
        return new Fetched(List.copyOf(all), hidden);
    }

    private static void printJson(List<ProbeEntry> probes, PrintWriter out) throws Exception {
        ObjectMapper m = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        try (JsonGenerator g = m.getFactory().createGenerator(out).useDefaultPrettyPrinter()) {
            g.writeStartArray();
            for (ProbeEntry e : probes) {
                ProbeJson.write(g, e);
            }
            g.writeEndArray();
        }
        out.println();
    }

    private void printTable(List<ProbeEntry> probes, PrintWriter out) {
        out.printf("%5s %10s %20s %32s %s%n", "ID", "PROVIDER", "MODULE", "FUNCTION", "NAME");
        int id = 1;
        for (ProbeEntry e : probes) {
            out.printf("%5d %10s %20s %32s %s%n", id++, e.providerWithPid(), e.module(), e.function(), e.name());
            if (verbose) {
                printDetails(e, out);
            }
        }
    }

    private static void printDetails(ProbeEntry e, PrintWriter out) {
        out.println();
        out.println("\tArgument Types");
        if (e.translatedTypes().isEmpty()) {
            out.println("\t\tNone");
        }
        for (int i = 0; i < e.translatedTypes().size(); i++) {
            int from = i < e.argmap().size() ? e.argmap().get(i) : i;
            String nat = from < e.nativeTypes().size() ? e.nativeTypes().get(from) : "?";
            out.printf("\t\targs[%d]: %s%s%n", i, e.translatedTypes().get(i),
                    nat.equals(e.translatedTypes().get(i)) ? "" : " (native arg" + from + ": " + nat + ")");
        }
        ProbeEntry.Mapping m = e.mapping();
        out.println("\tSites");
        for (ProbeEntry.Site s : e.sites()) {
            out.printf("\t\t%s  %s+%s%s%n", Numbers.hex(s.address()), m.path(), Numbers.hex(m.fileOffset(s.address())),
                    s.isEnabled() ? "  is-enabled" : "");
        }
        out.printf("\tMapping%n\t\t%s dev %s ino %d base %s offset %s%n%n", m.path(), Numbers.device(m.dev()),
                m.inode(), Numbers.hex(m.base()), Numbers.hex(m.offset()));
    }
}
