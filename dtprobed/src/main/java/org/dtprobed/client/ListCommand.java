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
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.ProbeJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe list}: the probes the daemon knows, as {@code dtrace -l} shows them. */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, exitCodeOnInvalidInput = 64, sortOptions = false,
        description = "List probes like dtrace -l. ID is the row number of this listing.")
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--pid"}, paramLabel = "PID", description = "Only probes of this process.")
    Integer pid;

    @Option(names = {"-n", "--probe"}, paramLabel = "DESC",
            description = "Probe description provider:module:function:name (globs; repeatable). Default: all.")
    List<String> descriptions = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, description = "Also show argument types, sites and the mapping.")
    boolean verbose;

    @Option(names = "--json", description = "Print one JSON array of probe objects.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<String> descs = descriptions.isEmpty() ? List.of("") : descriptions;
        descs.forEach(ProbeDescription::parse); // a bad description is a usage error, found before connecting
        List<ProbeEntry> probes = fetch(parent, descs, pid == null ? OptionalInt.empty() : OptionalInt.of(pid));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(probes, out);
        } else {
            printTable(probes, out);
        }
        out.flush();
        if (probes.isEmpty() && !descriptions.isEmpty()) {
            spec.commandLine().getErr().println("dtprobe: no probe matches " + String.join(" ", descriptions));
            return Dtprobe.EX_NOMATCH;
        }
        return 0;
    }

    /** The union of the probes each description matches, without repeats, in the daemon's order per description. */
    static List<ProbeEntry> fetch(Dtprobe parent, List<String> descs, OptionalInt pid) throws Exception {
        Set<ProbeEntry> all = new LinkedHashSet<>();
        try (DtprobedClient c = parent.connect()) {
            for (String d : descs) {
                all.addAll(c.list(d, pid));
            }
        }
        return List.copyOf(all);
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
            out.printf("\t\t0x%x  %s+0x%x%s%n", s.address(), m.path(), m.fileOffset(s.address()),
                    s.isEnabled() ? "  is-enabled" : "");
        }
        out.printf("\tMapping%n\t\t%s dev 0x%x ino %d base 0x%x offset 0x%x%n%n", m.path(), m.dev(), m.ino(),
                m.base(), m.offset());
    }
}
