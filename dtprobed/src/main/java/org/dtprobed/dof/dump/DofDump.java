package org.dtprobed.dof.dump;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dof-dump}: decodes a DOF file as the daemon would for one registration. */
@Command(name = "dof-dump", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, sortOptions = false, exitCodeOnInvalidInput = 64,
        description = "Decode a DOF blob (the bytes a client hands to /dev/dtrace/helper).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the DOF is valid (registration refusals are listed as warnings)",
            "64:bad usage", "65:the DOF is invalid; the reason is on stderr", "66:the file cannot be read"})
public final class DofDump implements Callable<Integer> {
    static final int EX_DATAERR = 65;
    static final int EX_NOINPUT = 66;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--module", paramLabel = "NAME", description = "Module name (dofhp_mod) to decode with; default: the file's name.")
    String module;

    @Option(names = "--base", paramLabel = "ADDR", converter = AddressConverter.class,
            description = "Load base (dofhp_addr) for relocations, decimal or 0x-hex; default 0.")
    long base;

    @Option(names = "--pid", paramLabel = "PID", description = "Registering pid, for the provider-name length rule.")
    long pid = DofParser.UNKNOWN_PID;

    @Parameters(paramLabel = "FILE", description = "The DOF file.")
    Path file;

    private final PrintStream out;
    private final PrintStream err;

    DofDump(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) >= DofLimits.DEFAULT_MAX_LOAD_SIZE + 1024L * 1024 * 1024) {
                err.println("error: " + file + ": file too large to be DOF");
                return EX_DATAERR;
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            err.println("error: " + file + ": no such file");
            return EX_NOINPUT;
        } catch (IOException e) {
            err.println("error: " + file + ": " + e.getMessage());
            return EX_NOINPUT;
        }
        String mod = module != null ? module : String.valueOf(file.getFileName());
        ParsedDof dof;
        try {
            dof = new DofParser().parse(ByteBuffer.wrap(bytes), new DofHelper(mod, base, 0), pid);
        } catch (DofFormatException e) {
            err.println("error: " + e.getMessage());
            return EX_DATAERR;
        }
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(DofJson.of(dof, base)));
        } else {
            DofText.print(dof, base, out);
        }
        return 0;
    }

    /** Runs the command and returns its exit code (the testable form of {@link #main}). */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new DofDump(out, err));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Accepts decimal and 0x-prefixed hexadecimal addresses (unsigned 64-bit). */
    static final class AddressConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim();
            return v.startsWith("0x") || v.startsWith("0X")
                    ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseUnsignedLong(v);
        }
    }
}
