package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dtprobed.daemon.DtprobedMain;
import org.dtprobed.dof.dump.DofDump;
import org.dtprobed.stash.dump.StashDump;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every tool's help is whole: a command's first description line is a sentence of its own (the
 * command list shows only that line), pre-formatted lines fit the 80-column help (picocli would
 * otherwise break them mid-word), and no option label is garbled by picocli's own decoration.
 */
class HelpTextTest {
    private static final int WIDTH = 80;

    @Test
    void everyCommandsHelpIsWhole() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new Dtprobe(Map.of())), all);
        collect(new CommandLine(StashDump.class), all);
        collect(new CommandLine(DofDump.class), all);
        collect(new CommandLine(DtprobedMain.class), all);
        assertThat(all).hasSizeGreaterThan(8);
        for (CommandLine c : all) {
            String name = c.getCommandSpec().qualifiedName();
            String[] d = c.getCommandSpec().usageMessage().description();
            assertThat(d).as(name).isNotEmpty();
            assertThat(d[0].strip()).as(name + ": first line").endsWith(".");
            for (String line : d) {
                if (line.startsWith(" ")) {
                    assertThat(line.length()).as(name + ": pre-formatted line '" + line + "'").isLessThanOrEqualTo(WIDTH);
                }
            }
            String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertThat(usage).as(name).doesNotContain("...][:", "...]...]");
            for (String line : usage.lines().toList()) {
                assertThat(line.length()).as(name + ": '" + line + "'").isLessThanOrEqualTo(WIDTH);
            }
        }
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().forEach(s -> collect(s, into));
    }
}
