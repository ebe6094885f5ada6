package org.dtprobed.testkit;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for a child JVM that must behave as the test's own: the same {@code java} and the
 * flags Chronicle Map and the native libraries need (surefire's and failsafe's argLine, from the
 * parent pom), taken from this JVM so that a test never repeats the list.
 */
public final class ChildJvms {
    private ChildJvms() {
    }

    /** The running JVM's {@code java}. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This JVM's module, native-access, Unsafe and Chronicle flags. */
    public static List<String> flags() {
        List<String> out = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("--enable-native-access") || a.startsWith("-XX:+IgnoreUnrecognized")
                    || a.startsWith("--sun-misc") || a.startsWith("-Dchronicle")) {
                out.add(a);
            }
        }
        return out;
    }

    /** {@code java}, the flags, this test's classpath and {@code mainClass}: add the arguments. */
    public static List<String> command(Class<?> mainClass) {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(flags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        return cmd;
    }
}
