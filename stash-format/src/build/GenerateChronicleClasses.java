import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Build step of stash-format (its pom, phase process-classes; run as a single-file program by the
 * build's own JDK): writes and compiles the classes Chronicle Map would otherwise generate and
 * compile with javac at run time, in every JVM that opens a map.
 *
 * <p>Chronicle looks for {@code <interface>$$Native} with the interface's class loader before it
 * generates one (ValueModel.createClass), so a class on the classpath means no javac at start:
 * about 0.6 s less per daemon and tool start, no need for a full JDK or the jdk.compiler export
 * (java-deps-facts 2b). The source comes from Chronicle's own generator (Generators, the code path
 * it takes at run time), so it follows every Chronicle upgrade with no hand-kept copy.
 *
 * <p>Usage: {@code java -cp <compile classpath> GenerateChronicleClasses SOURCE-DIR CLASS-DIR RELEASE}
 */
public final class GenerateChronicleClasses {
    /** The value interfaces Chronicle Map generates a native class for in this project's maps. */
    private static final List<String> VALUE_INTERFACES = List.of("net.openhft.chronicle.hash.VanillaGlobalMutableState");

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: GenerateChronicleClasses SOURCE-DIR CLASS-DIR RELEASE");
            System.exit(64);
        }
        Path sources = Path.of(args[0]);
        Path classes = Path.of(args[1]);
        Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        Method acquire = valueModel.getMethod("acquire", Class.class);
        Method simpleName = valueModel.getDeclaredMethod("simpleName");
        simpleName.setAccessible(true);
        Method generate = Class.forName("net.openhft.chronicle.values.Generators")
                .getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generate.setAccessible(true);
        List<String> javacArgs = new java.util.ArrayList<>(List.of("-d", classes.toString(), "--release", args[2],
                "-proc:none", "-nowarn", "-cp", System.getProperty("java.class.path")));
        for (String name : VALUE_INTERFACES) {
            Class<?> type = Class.forName(name);
            Object model = acquire.invoke(null, type);
            String simple = simpleName.invoke(model) + "$$Native";
            String code = (String) generate.invoke(null, model, simple);
            Path file = sources.resolve(type.getPackageName().replace('.', '/')).resolve(simple + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, code, StandardCharsets.UTF_8);
            javacArgs.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            System.err.println("GenerateChronicleClasses: this JVM has no javac (a JDK builds this project)");
            System.exit(1);
        }
        int rc = javac.run(null, null, null, javacArgs.toArray(String[]::new));
        if (rc != 0) {
            System.err.println("GenerateChronicleClasses: javac failed on the generated classes (exit " + rc + ")");
            System.exit(1);
        }
    }
}
