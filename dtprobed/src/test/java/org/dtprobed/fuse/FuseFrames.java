package org.dtprobed.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Builds request frames the way the kernel writes them, for feeding the decoder in tests. */
final class FuseFrames {
    private FuseFrames() {
    }

    static byte[] request(int opcode, long unique, long nodeId, int pid, byte[] body) {
        return request(opcode, unique, nodeId, 1000, 1001, pid, 0, body);
    }

    static byte[] request(int opcode, long unique, long nodeId, int uid, int gid, int pid, int extUnits, byte[] body) {
        int len = 40 + body.length + extUnits * 8;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(len).putInt(opcode).putLong(unique).putLong(nodeId).putInt(uid).putInt(gid).putInt(pid)
                .putShort((short) extUnits).putShort((short) 0).put(body);
        return b.array();
    }

    static byte[] ioctl(long unique, int pid, int flags, int cmd, long arg, byte[] in) {
        ByteBuffer b = ByteBuffer.allocate(32 + in.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0).putInt(flags).putInt(cmd).putLong(arg).putInt(in.length).putInt(0).put(in);
        return request(FuseOpcode.IOCTL.code(), unique, 2, pid, b.array());
    }

    static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
