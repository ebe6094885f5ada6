package org.dtprobed.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a uprobe event fetches one probe argument at a probe site (the kernel's
 * {@code Documentation/trace/uprobetracer.rst} fetch-args). At a {@code dtrace -G} site the
 * compiler has set up a call to the probe function, and libusdt's trampoline loads its arguments
 * the same way, so on x86-64 {@code arg0..arg5} are in {@code rdi, rsi, rdx, rcx, r8, r9}. The
 * probe's native C type picks the fetch type: {@code char *} is read from the process as a
 * string, integers by their width and sign, anything else (pointers, structs) as a 64-bit hex word.
 *
 * @param index the argument's number
 * @param type  the tracefs fetch type ({@code s32}, {@code u64}, {@code x64}, {@code string} ...)
 */
record ArgFetch(int index, String type) {
    /** Arguments in registers at a site; DTrace probes have up to ten, the rest are not fetched. */
    static final List<String> REGISTERS = List.of("%di", "%si", "%dx", "%cx", "%r8", "%r9");

    /** The fetches for a probe's native argument types, at most one per register. */
    static List<ArgFetch> of(List<String> nativeTypes) {
        List<ArgFetch> out = new ArrayList<>();
        for (int i = 0; i < nativeTypes.size() && i < REGISTERS.size(); i++) {
            out.add(new ArgFetch(i, fetchType(nativeTypes.get(i))));
        }
        return out;
    }

    /** The tracefs fetch type for a C type as DOF spells it ({@code "const char *"}, {@code "uint32_t"}). */
    static String fetchType(String cType) {
        String t = cType.toLowerCase(Locale.ROOT).replace("const ", "").replace("volatile ", "")
                .replaceAll("\\s+", " ").replace(" *", "*").strip();
        if (t.equals("char*") || t.equals("signed char*") || t.equals("string")) {
            return "string";
        }
        if (t.endsWith("*")) {
            return "x64";
        }
        return switch (t) {
            case "char", "signed char", "int8_t" -> "s8";
            case "unsigned char", "uint8_t", "uchar_t", "bool", "_bool" -> "u8";
            case "short", "short int", "signed short", "int16_t" -> "s16";
            case "unsigned short", "unsigned short int", "uint16_t", "ushort_t" -> "u16";
            case "int", "signed", "signed int", "int32_t", "pid_t", "uid_t", "gid_t" -> "s32";
            case "unsigned", "unsigned int", "uint32_t", "uint_t" -> "u32";
            case "long", "long int", "signed long", "long long", "long long int", "int64_t", "ssize_t", "off_t",
                 "intptr_t", "ptrdiff_t", "hrtime_t" -> "s64";
            case "unsigned long", "unsigned long int", "unsigned long long", "unsigned long long int", "uint64_t",
                 "size_t", "uintptr_t", "ulong_t" -> "u64";
            default -> "x64";
        };
    }

    boolean string() {
        return type.equals("string");
    }

    /** This fetch as a uprobe_events argument: {@code arg0=%di:s32}, {@code arg1=+0(%si):string}. */
    String definition() {
        String reg = REGISTERS.get(index);
        return "arg" + index + "=" + (string() ? "+0(" + reg + ")" : reg) + ":" + type;
    }

    /** Every definition, space-separated, as they follow the probe point in {@code uprobe_events}. */
    static String definitions(List<ArgFetch> fetches) {
        StringBuilder sb = new StringBuilder();
        for (ArgFetch f : fetches) {
            sb.append(' ').append(f.definition());
        }
        return sb.toString();
    }
}
