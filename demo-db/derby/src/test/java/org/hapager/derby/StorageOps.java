package org.hapager.derby;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.derby.io.StorageRandomAccessFile;
import org.hapager.derby.StorageWorld.Action;
import org.hapager.derby.StorageWorld.Kind;
import org.hapager.derby.StorageWorld.Read;

/**
 * The operations of {@link StorageDifferentialTest}, drawn from a seeded {@link Random}: namespace operations
 * on a small population of names (so they collide), opening handles, and steps on random access files and
 * streams with sizes and positions around the 4 KiB page and the end of the file. Parameters that depend on
 * a file's state (its length, a handle's pointer) are read from the reference side; each operation is
 * handed to {@link #compare} to run on both sides.
 */
abstract class StorageOps {

    static final String[] DIRS = {"a", "b", "a/sub"};
    static final String[] FILES = {"a/x", "a/y", "a/sub/z", "b/x", "b/y", "b/z"};
    /** Write and read sizes: around the 4 KiB page, and one of ten pages (the pool has sixteen). */
    static final int[] SIZES = {0, 1, 2, 48, 204, 4095, 4096, 4097, 8192, 10000, 40000};
    static final int PAGE = 4096;
    static final int MAX_HANDLES = 10;

    final Random rnd;
    final StorageWorld ref;

    StorageOps(Random rnd, StorageWorld ref) {
        this.rnd = rnd;
        this.ref = ref;
    }

    /** Runs {@code action} on both sides and fails unless the outcomes are equal. */
    abstract void compare(String what, Action action);

    /** Closes every handle on both sides and boots hapager's database again (its cluster closes and reopens). */
    abstract void reboot() throws IOException;

    void next() throws IOException {
        int r = rnd.nextInt(200);
        if (r == 0) {
            reboot();
            return;
        }
        r /= 2;
        if (r < 26) {
            namespaceOp();
        } else if (r < 38 || ref.handles.size() == 0) {
            openOp(null);
        } else if (ref.handles.size() > MAX_HANDLES) {
            closeOp(rnd.nextInt(ref.handles.size()));
        } else if (r < 82) {
            rafOp();
        } else if (r < 91) {
            outOp();
        } else {
            inOp();
        }
    }

    String anyPath() {
        return rnd.nextInt(4) == 0 ? DIRS[rnd.nextInt(DIRS.length)] : FILES[rnd.nextInt(FILES.length)];
    }

    int pick(Kind kind) {
        List<Integer> of = new ArrayList<>();
        for (int i = 0; i < ref.handles.size(); i++) {
            if (ref.handle(i).kind == kind) {
                of.add(i);
            }
        }
        return of.isEmpty() ? -1 : of.get(rnd.nextInt(of.size()));
    }

    byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    String randomText() {
        String[] alphabet = {"a", "b", "z", "0", " ", "\n", "é", "€", "\u0000", "\uD834\uDD1E"};
        StringBuilder s = new StringBuilder();
        int n = rnd.nextInt(4) == 0 ? rnd.nextInt(3000) : rnd.nextInt(20);
        for (int k = 0; k < n; k++) {
            s.append(alphabet[rnd.nextInt(alphabet.length)]);
        }
        return s.toString();
    }

    int size() {
        return SIZES[rnd.nextInt(SIZES.length)];
    }

    /** A position near where things happen in a file of {@code length}: ends, page boundaries, past the end. */
    long position(long length, long pointer) {
        long pages = length / PAGE + 2;
        return Math.max(0, switch (rnd.nextInt(7)) {
            case 0 -> 0;
            case 1 -> length + rnd.nextInt(3) - 1;
            case 2 -> pointer + rnd.nextInt(3) - 1;
            case 3 -> length <= 0 ? 0 : (long) (rnd.nextDouble() * length);
            case 4, 5 -> rnd.nextInt((int) pages + 1) * (long) PAGE + rnd.nextInt(3) - 1;
            default -> length + 1 + rnd.nextInt(9000);
        });
    }

    void namespaceOp() throws IOException {
        String p = anyPath();
        switch (rnd.nextInt(13)) {
            case 0, 1 -> compare("createNewFile " + p, w -> w.file(p).createNewFile());
            case 2 -> compare("exists " + p, w -> w.file(p).exists());
            case 3 -> compare("isDirectory " + p, w -> w.file(p).isDirectory());
            case 4 -> compare("list " + p, w -> w.file(p).list());
            case 5 -> compare("mkdir " + p, w -> w.file(p).mkdir());
            case 6 -> compare("mkdirs " + p, w -> w.file(p).mkdirs());
            case 7, 8 -> compare("delete " + p, w -> {
                boolean ok = w.file(p).delete();
                if (ok) {
                    w.dropUnder(p);
                }
                return ok;
            });
            case 9 -> compare("deleteAll " + p, w -> {
                boolean ok = w.file(p).deleteAll();
                if (ok) {
                    w.dropUnder(p);
                }
                return ok;
            });
            case 10 -> compare("canWrite " + p + ", getName, parent's name", w -> w.file(p).canWrite() + " "
                    + w.file(p).getName() + " " + w.file(p).getParentDir().getName());
            default -> {
                String to = anyPath();
                File from = (File) ref.file(p);
                File target = (File) ref.file(to);
                String[] inTarget = target.list();
                if (from.isDirectory() && inTarget != null && inTarget.length == 0 && !p.equals(to)) {
                    return; // known difference: a directory onto an empty directory (see the class comment)
                }
                compare("renameTo " + p + " → " + to, w -> {
                    boolean ok = w.rename(p, to);
                    if (ok && !p.equals(to)) {
                        w.dropUnder(p);
                        w.dropUnder(to);
                    }
                    return ok;
                });
            }
        }
    }

    /** Opens a handle of {@code kind} (any kind if null). */
    void openOp(Kind kind) {
        Kind k = kind != null ? kind : Kind.values()[rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(3)];
        String p = rnd.nextInt(8) == 0 ? anyPath() : FILES[rnd.nextInt(FILES.length)];
        switch (k) {
            case RAF -> {
                String mode = new String[] {"rw", "rw", "rw", "rw", "rw", "r", "r", "r", "rwd", "rws"}[rnd.nextInt(10)];
                compare("getRandomAccessFile " + p + " " + mode, w -> {
                    w.add(Kind.RAF, p, w.file(p).getRandomAccessFile(mode));
                    return "opened";
                });
            }
            case OUT -> {
                boolean append = rnd.nextBoolean();
                compare("getOutputStream " + p + " append " + append, w -> {
                    w.add(Kind.OUT, p, w.file(p).getOutputStream(append));
                    return "opened";
                });
            }
            case IN -> compare("getInputStream " + p, w -> {
                w.add(Kind.IN, p, w.file(p).getInputStream());
                return "opened";
            });
        }
    }

    void closeOp(int i) {
        boolean forget = rnd.nextInt(5) != 0;
        compare("close #" + i + " (" + ref.handle(i).path + ")" + (forget ? "" : " (kept, to probe closed)"), w -> {
            w.close(i, forget);
            return "closed";
        });
    }

    /** A step on random access file #i; the outcome includes the file pointer and length after it. */
    void raf(int i, String what, Action action) {
        compare("raf #" + i + " (" + ref.handle(i).path + ") " + what, w -> {
            Object r = action.run(w);
            StorageRandomAccessFile f = w.raf(i);
            return StorageWorld.describe(r) + " ptr " + StorageWorld.pointer(f) + " len " + StorageWorld.length(f);
        });
    }

    void rafOp() {
        int i = pick(Kind.RAF);
        if (i < 0) {
            openOp(Kind.RAF);
            return;
        }
        StorageRandomAccessFile f = ref.raf(i);
        long length = Math.max(0, StorageWorld.length(f));
        long pointer = Math.max(0, StorageWorld.pointer(f));
        switch (rnd.nextInt(24)) {
            case 0, 1, 2 -> {
                long at = position(length, pointer);
                raf(i, "seek " + at, w -> {
                    w.raf(i).seek(at);
                    return "";
                });
            }
            case 3, 4, 5, 6 -> {
                int n = size();
                int off = rnd.nextInt(4);
                byte[] data = randomBytes(n + off + rnd.nextInt(4));
                raf(i, "write " + n + " bytes (off " + off + ")", w -> {
                    w.raf(i).write(data, off, n);
                    return "";
                });
            }
            case 7 -> {
                int v = rnd.nextInt();
                raf(i, "writeInt/writeByte " + v, w -> {
                    w.raf(i).writeInt(v);
                    w.raf(i).writeByte(v);
                    return "";
                });
            }
            case 8 -> {
                String s = randomText();
                raf(i, "writeUTF of " + s.length() + " chars", w -> {
                    w.raf(i).writeUTF(s);
                    return "";
                });
            }
            case 9 -> {
                long v = rnd.nextLong();
                raf(i, "writeLong/writeShort " + v, w -> {
                    w.raf(i).writeLong(v);
                    w.raf(i).writeShort((int) v);
                    return "";
                });
            }
            case 10, 11 -> {
                int n = size();
                raf(i, "readFully " + n, w -> {
                    byte[] b = new byte[n];
                    w.raf(i).readFully(b);
                    return b;
                });
            }
            case 12 -> {
                int n = size();
                raf(i, "read up to " + n, w -> {
                    byte[] b = new byte[n + 2];
                    int got = w.raf(i).read(b, 1, n);
                    return new Read(got, Arrays.copyOfRange(b, 1, 1 + Math.max(0, got)));
                });
            }
            case 13 -> raf(i, "read() x3", w -> {
                RafReads r = new RafReads(w.raf(i));
                return r.read() + "," + r.read() + "," + r.read();
            });
            case 14 -> raf(i, "readInt, readShort", w -> w.raf(i).readInt() + "," + w.raf(i).readShort());
            case 15 -> raf(i, "readUTF", w -> w.raf(i).readUTF());
            case 16 -> raf(i, "readLong, readLine", w -> w.raf(i).readLong() + "," + w.raf(i).readLine());
            case 17, 18 -> {
                long n = position(length, pointer);
                raf(i, "setLength " + n + " (from " + length + ")", w -> {
                    w.raf(i).setLength(n);
                    return "";
                });
            }
            case 19 -> raf(i, "sync", w -> {
                w.raf(i).sync();
                return "";
            });
            case 20 -> compare("clone of raf #" + i, w -> {
                w.add(Kind.RAF, w.handle(i).path, w.raf(i).clone());
                return "cloned";
            });
            case 21 -> {
                int n = rnd.nextInt(2 * PAGE) - 10;
                if (pointer <= length) { // known difference past the end (class comment)
                    raf(i, "skipBytes " + n, w -> w.raf(i).skipBytes(n));
                }
            }
            case 22 -> twoHandles(i, length, pointer);
            default -> closeOp(i);
        }
    }

    /** A write through one handle is seen through another handle of the same file at once (no sync). */
    void twoHandles(int i, long length, long pointer) {
        int j = -1;
        for (int k = 0; k < ref.handles.size(); k++) {
            if (k != i && ref.handle(k).kind == Kind.RAF && ref.handle(k).path.equals(ref.handle(i).path)) {
                j = k;
            }
        }
        if (j < 0) {
            compare("second handle on raf #" + i + "'s file", w -> {
                w.add(Kind.RAF, w.handle(i).path, w.file(w.handle(i).path).getRandomAccessFile("r"));
                return "opened";
            });
            return;
        }
        int other = j;
        long at = position(length, pointer);
        int n = Math.max(1, size());
        byte[] data = randomBytes(n);
        raf(i, "write " + n + " at " + at + ", read back through raf #" + other, w -> {
            w.raf(i).seek(at);
            w.raf(i).write(data);
            StorageRandomAccessFile o = w.raf(other);
            o.seek(at);
            byte[] back = new byte[n];
            o.readFully(back);
            return back;
        });
    }

    void outOp() {
        int i = pick(Kind.OUT);
        if (i < 0) {
            openOp(Kind.OUT);
            return;
        }
        switch (rnd.nextInt(8)) {
            case 0, 1, 2, 3 -> {
                int n = size();
                byte[] data = randomBytes(n + 1);
                compare("out #" + i + " (" + ref.handle(i).path + ") write " + n, w -> {
                    w.out(i).write(data, 1, n);
                    return "";
                });
            }
            case 4 -> {
                int v = rnd.nextInt(256);
                compare("out #" + i + " (" + ref.handle(i).path + ") write(" + v + ")", w -> {
                    w.out(i).write(v);
                    return "";
                });
            }
            case 5 -> compare("out #" + i + " (" + ref.handle(i).path + ") factory.sync", w -> {
                w.factory.sync(w.out(i), false);
                return "";
            });
            default -> closeOp(i);
        }
    }

    void inOp() throws IOException {
        int i = pick(Kind.IN);
        if (i < 0) {
            openOp(Kind.IN);
            return;
        }
        switch (rnd.nextInt(7)) {
            case 0, 1, 2 -> {
                int n = size();
                compare("in #" + i + " (" + ref.handle(i).path + ") read up to " + n, w -> {
                    byte[] b = new byte[n];
                    int got = w.in(i).read(b, 0, n);
                    return new Read(got, b);
                });
            }
            case 3 -> compare("in #" + i + " (" + ref.handle(i).path + ") read()", w -> w.in(i).read());
            case 4 -> {
                int available;
                try {
                    available = ref.in(i).available();
                } catch (IOException e) {
                    available = 100; // closed: both throw
                }
                long n = available == 0 ? 0 : rnd.nextInt(available + 1);
                compare("in #" + i + " (" + ref.handle(i).path + ") skip " + n, w -> w.in(i).skip(n));
            }
            case 5 -> compare("in #" + i + " (" + ref.handle(i).path + ") available", w -> w.in(i).available());
            default -> closeOp(i);
        }
    }

    /** {@code read()} of a StorageRandomAccessFile: both implementations have it, the interface does not. */
    record RafReads(StorageRandomAccessFile f) {
        int read() throws IOException {
            if (f instanceof java.io.RandomAccessFile r) {
                return r.read();
            }
            return ((HapagerRandomAccessFile) f).read();
        }
    }
}
