package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The [Service] settings of the installed unit and its drop-ins (scripts/systemd), and the
 * namespaces systemd makes from them, as {@code unshare} flags, so that a test starts the daemon
 * as systemd would without systemd being pid 1.
 */
record SystemdUnit(Map<String, List<String>> service) {
    static final Path DIR = Path.of("../scripts/systemd").toAbsolutePath().normalize();

    /**
     * Settings that make systemd give the service a mount namespace whose mounts are slaves of
     * the host's (systemd's exec_needs_mount_namespace(), v252 and later).
     */
    private static final Set<String> MOUNT_NAMESPACE = Set.of("ProtectSystem", "ProtectHome", "ReadWritePaths",
            "ReadOnlyPaths", "InaccessiblePaths", "ExecPaths", "NoExecPaths", "PrivateTmp", "PrivateDevices",
            "PrivateMounts", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
            "ProtectControlGroups", "ProtectProc", "ProcSubset", "BindPaths", "BindReadOnlyPaths",
            "TemporaryFileSystem", "RootDirectory", "RootImage", "MountImages", "LogNamespace",
            // newer systemd remounts /sys for these, which takes a mount namespace too
            "PrivateNetwork", "NetworkNamespacePath", "ProtectHostname");

    static SystemdUnit read(Path... files) throws IOException {
        Map<String, List<String>> service = new LinkedHashMap<>();
        for (Path f : files) {
            String section = "";
            for (String raw : Files.readAllLines(f)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                    continue;
                }
                if (line.startsWith("[")) {
                    section = line;
                } else if (section.equals("[Service]")) {
                    int eq = line.indexOf('=');
                    service.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
                }
            }
        }
        return new SystemdUnit(service);
    }

    String last(String key) {
        List<String> v = service.get(key);
        return v == null ? null : v.get(v.size() - 1);
    }

    private boolean enabled(String key) {
        String v = last(key);
        return v != null && !v.isEmpty() && !List.of("no", "false", "0", "off").contains(v);
    }

    /** The settings present that give the service its own mount namespace. */
    List<String> mountNamespaceSettings() {
        return MOUNT_NAMESPACE.stream().filter(this::enabled).sorted().toList();
    }

    /** {@code unshare} and its flags for the namespaces systemd would make; empty for none. */
    List<String> unshare() {
        List<String> flags = new ArrayList<>();
        if (!mountNamespaceSettings().isEmpty()) {
            flags.addAll(List.of("--mount", "--propagation", "slave"));
        }
        if (enabled("PrivateNetwork")) {
            flags.add("--net");
        }
        if (enabled("ProtectHostname")) {
            flags.add("--uts");
        }
        if (enabled("PrivateIPC")) {
            flags.add("--ipc");
        }
        if (flags.isEmpty()) {
            return List.of();
        }
        List<String> cmd = new ArrayList<>(List.of("unshare"));
        cmd.addAll(flags);
        cmd.add("--");
        return cmd;
    }

    /** ExecStart's words after the program, with the state directory and $DTPROBED_OPTS substituted. */
    List<String> execStartArgs(Path stateDir, List<String> opts) {
        String[] words = last("ExecStart").split("\\s+");
        List<String> out = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            switch (words[i]) {
                case "/run/dtrace" -> out.add(stateDir.toString());
                case "$DTPROBED_OPTS" -> out.addAll(opts);
                default -> out.add(words[i]);
            }
        }
        return out;
    }
}
