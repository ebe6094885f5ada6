package org.dtprobed.tooldocs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dtprobed.client.Dtprobe;
import org.dtprobed.daemon.DtprobedMain;
import org.dtprobed.dof.dump.DofDump;
import org.dtprobed.stash.dump.StashDump;
import org.dtprobed.version.BuildInfo;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes the man pages and bash completion scripts of the four tools from their picocli models,
 * so that neither can drift from the help the tools print: the build runs it ({@code
 * prepare-package}), {@code scripts/install} installs the result. One man page per command and
 * subcommand ({@code dtprobe.1}, {@code dtprobe-list.1}, ...), one completion script per tool.
 */
public final class ToolDocs {
    private ToolDocs() {
    }

    /** The tools, as their launchers are named. */
    public static List<CommandLine> tools() {
        return List.of(Dtprobe.commandLine(), new CommandLine(DtprobedMain.class), new CommandLine(StashDump.class),
                new CommandLine(DofDump.class));
    }

    /** {@code ToolDocs OUTDIR}: writes OUTDIR/man/man1/*.1 and OUTDIR/bash-completion/completions/*. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ToolDocs OUTDIR");
            System.exit(64);
        }
        write(Path.of(args[0]), version());
    }

    /** Writes every page and script under {@code out}; returns the files written. */
    public static List<Path> write(Path out, String version) throws IOException {
        Path man = Files.createDirectories(out.resolve("man/man1"));
        Path completions = Files.createDirectories(out.resolve("bash-completion/completions"));
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        List<Path> written = new ArrayList<>();
        for (CommandLine tool : tools()) {
            for (CommandLine c : withSubcommands(tool, new ArrayList<>())) {
                Path page = man.resolve(pageName(c.getCommandSpec()) + ".1");
                Files.writeString(page, manPage(c, date, version), StandardCharsets.UTF_8);
                written.add(page);
            }
            String name = tool.getCommandName();
            Path script = completions.resolve(name);
            Files.writeString(script, AutoComplete.bash(name, tool), StandardCharsets.UTF_8);
            written.add(script);
        }
        return written;
    }

    private static String version() {
        try {
            return new BuildInfo().getVersion()[0].replaceAll("^\\S+\\s+", "");
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static List<CommandLine> withSubcommands(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().forEach(s -> withSubcommands(s, into));
        return into;
    }

    /** {@code dtprobe-list} for {@code dtprobe list}. */
    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** One man(7) page: name, synopsis, description, options, commands, exit status, see also. */
    static String manPage(CommandLine c, String date, String version) {
        CommandSpec spec = c.getCommandSpec();
        String page = pageName(spec);
        String[] description = spec.usageMessage().description();
        StringBuilder r = new StringBuilder();
        r.append(".TH ").append(quoted(page.toUpperCase())).append(" 1 ").append(quoted(date)).append(' ')
                .append(quoted("dtprobed " + version)).append(' ').append(quoted("dtprobed manual")).append('\n');
        r.append(".SH NAME\n").append(text(page)).append(" \\- ")
                .append(text(description.length > 0 ? description[0].strip() : "")).append('\n');
        r.append(".SH SYNOPSIS\n.nf\n").append(text(c.getHelp().synopsis(0).strip())).append("\n.fi\n");
        r.append(".SH DESCRIPTION\n");
        paragraphs(r, description, 1);
        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!params.isEmpty() || !options.isEmpty()) {
            r.append(".SH OPTIONS\n");
            for (PositionalParamSpec p : params) {
                r.append(".TP\n\\fI").append(text(p.paramLabel())).append("\\fR\n")
                        .append(text(String.join(" ", p.description()))).append('\n');
            }
            for (OptionSpec o : options) {
                r.append(".TP\n");
                List<String> names = new ArrayList<>();
                for (String n : o.names()) {
                    names.add("\\fB" + text(n) + "\\fR");
                }
                r.append(String.join(", ", names));
                if (o.arity().max() > 0) {
                    r.append("=\\fI").append(text(o.paramLabel())).append("\\fR");
                }
                r.append('\n').append(text(expand(o, String.join(" ", o.description())))).append('\n');
            }
        }
        if (!c.getSubcommands().isEmpty()) {
            r.append(".SH COMMANDS\n");
            c.getSubcommands().forEach((name, sub) -> {
                String[] d = sub.getCommandSpec().usageMessage().description();
                r.append(".TP\n\\fB").append(text(name)).append("\\fR\n").append(text(d.length > 0 ? d[0] : ""))
                        .append(" See \\fB").append(text(pageName(sub.getCommandSpec()))).append("\\fR(1).\n");
            });
        }
        Map<String, String> exits = spec.usageMessage().exitCodeList();
        if (!exits.isEmpty()) {
            r.append(".SH EXIT STATUS\n");
            exits.forEach((code, meaning) -> r.append(".TP\n").append(text(code.strip())).append('\n')
                    .append(text(meaning.strip())).append('\n'));
        }
        r.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        CommandSpec root = spec.root();
        if (root != spec) {
            see.add("\\fB" + text(pageName(root)) + "\\fR(1)");
        }
        for (CommandLine t : tools()) {
            String n = t.getCommandName();
            if (!n.equals(root.name())) {
                see.add("\\fB" + text(n) + "\\fR(1)");
            }
        }
        r.append(String.join(", ", see)).append('\n');
        return r.toString();
    }

    /** Description lines after the first: a blank line starts a paragraph, indented lines stay as they are. */
    private static void paragraphs(StringBuilder r, String[] lines, int from) {
        boolean literal = false;
        for (int i = from; i < lines.length; i++) {
            String l = lines[i];
            boolean indented = l.startsWith(" ");
            if (indented != literal) {
                r.append(indented ? ".nf\n" : ".fi\n");
                literal = indented;
            }
            r.append(l.isBlank() ? ".PP" : text(l)).append('\n');
        }
        if (literal) {
            r.append(".fi\n");
        }
    }

    /** picocli's ${DEFAULT-VALUE} and ${COMPLETION-CANDIDATES} in an option's description. */
    private static String expand(OptionSpec o, String d) {
        String def = o.defaultValueString();
        String candidates = "";
        if (o.completionCandidates() != null) {
            List<String> all = new ArrayList<>();
            o.completionCandidates().forEach(all::add);
            candidates = String.join(", ", all);
        }
        return d.replace("${DEFAULT-VALUE}", def == null ? "" : def).replace("${COMPLETION-CANDIDATES}", candidates);
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\"", "'") + "\"";
    }

    /** Text safe in roff: backslashes escaped, a leading dot or quote neutralised, hyphens as minus signs. */
    static String text(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-").replace("%n", "\n");
        StringBuilder out = new StringBuilder();
        for (String line : t.split("\n", -1)) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line);
        }
        return out.toString();
    }
}
