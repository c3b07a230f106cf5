package org.hapager.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.VolumeName;
import org.hapager.wire.WireLimits;

/**
 * The namespace operations: create, delete, rename, list, stat and mkdirs. Each is durable before it
 * returns (the changed directories are fsynced). Runs on the I/O threads.
 */
final class NamespaceOps {

    /** Bytes of a LIST completion around its entries: type, request id, op, status, entry count. */
    private static final int LISTING_HEADER_BYTES = 1 + 8 + 1 + 1 + 4;
    /** Bytes of one entry besides its name: name length, directory flag, length. */
    private static final int ENTRY_FIXED_BYTES = 2 + 1 + 8;

    private final VolumePaths paths;
    private final OpenFiles openFiles;
    private final WireLimits limits;
    private final Durability durability;
    private final SizeGuard sizes;

    NamespaceOps(VolumePaths paths, OpenFiles openFiles, WireLimits limits, Durability durability, SizeGuard sizes) {
        this.sizes = sizes;
        this.paths = paths;
        this.durability = durability;
        this.openFiles = openFiles;
        this.limits = limits;
    }

    Outcome create(Op.Create op) throws StoreException {
        String volume = op.volume();
        Path path = paths.resolve(volume, false);
        try {
            BasicFileAttributes attrs = VolumePaths.attributes(path);
            if (attrs != null) {
                return existing(volume, attrs, op.exclusive());
            }
            List<Path> changed = Durability.createDirectories(paths.root(), path.getParent(), volume);
            try {
                Files.createFile(path);
            } catch (FileAlreadyExistsException raced) {
                return existing(volume, VolumePaths.attributes(path), op.exclusive());
            }
            durability.fsyncFile(path);
            durability.fsyncDirectories(changed);
            return Outcome.Done.INSTANCE;
        } catch (IOException e) {
            throw StoreException.io("create volume " + volume, e);
        }
    }

    private static Outcome existing(String volume, BasicFileAttributes attrs, boolean exclusive) throws StoreException {
        if (exclusive) {
            throw new StoreException(Status.ALREADY_EXISTS, "volume " + volume + " already exists");
        }
        if (attrs != null && !attrs.isRegularFile()) {
            throw new StoreException(Status.INVALID, "volume " + volume + " is a directory, not a volume");
        }
        return Outcome.Done.INSTANCE;
    }

    Outcome delete(Op.Delete op) throws StoreException {
        String volume = op.volume();
        Path path = paths.resolve(volume, false);
        try {
            BasicFileAttributes removed = sizes.countsData() ? VolumePaths.attributes(path) : null;
            Files.delete(path);
            if (removed != null && removed.isRegularFile()) {
                sizes.adjust(-removed.size());
            }
            openFiles.forget(path);
            durability.fsyncDirectory(path.getParent());
            return Outcome.Done.INSTANCE;
        } catch (NoSuchFileException e) {
            throw StoreException.notFound(volume);
        } catch (DirectoryNotEmptyException e) {
            throw new StoreException(Status.NOT_EMPTY, "directory " + volume + " is not empty");
        } catch (FileSystemException e) {
            if (VolumePaths.parentIsAFile(e)) {
                throw StoreException.notFound(volume);
            }
            throw StoreException.io("delete volume " + volume, e);
        } catch (IOException e) {
            throw StoreException.io("delete volume " + volume, e);
        }
    }

    Outcome rename(Op.Rename op) throws StoreException {
        String volume = op.volume();
        String what = "rename volume " + volume + " to " + op.target();
        Path source = paths.resolve(volume, false);
        Path target = paths.resolve(op.target(), false);
        try {
            BasicFileAttributes sourceAttrs = VolumePaths.attributes(source);
            if (sourceAttrs == null) {
                throw StoreException.notFound(volume);
            }
            if (target.equals(source)) {
                return Outcome.Done.INSTANCE;
            }
            if (target.startsWith(source)) {
                throw new StoreException(Status.INVALID, what + ": the target lies inside the source");
            }
            // Check, then move: rename(2) always replaces, so "no replace" is not atomic against a concurrent
            // create of the target. Only the reservation holder writes a volume group, which serializes them.
            BasicFileAttributes targetAttrs = VolumePaths.attributes(target);
            if (targetAttrs != null) {
                if (!op.replace()) {
                    throw new StoreException(Status.ALREADY_EXISTS, what + ": volume " + op.target() + " already exists");
                }
                if (!targetAttrs.isRegularFile() || !sourceAttrs.isRegularFile()) {
                    throw new StoreException(Status.INVALID, what + ": only a volume can replace a volume");
                }
            }
            List<Path> changed = Durability.createDirectories(paths.root(), target.getParent(), op.target());
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            if (targetAttrs != null && targetAttrs.isRegularFile()) {
                sizes.adjust(-targetAttrs.size()); // the replaced volume is gone
            }
            openFiles.forget(source);
            openFiles.forget(target);
            durability.fsyncDirectories(changed);
            if (!changed.contains(source.getParent())) {
                durability.fsyncDirectory(source.getParent());
            }
            return Outcome.Done.INSTANCE;
        } catch (NoSuchFileException e) {
            throw StoreException.notFound(volume);
        } catch (IOException e) {
            throw StoreException.io(what, e);
        }
    }

    Outcome list(Op.List op) throws StoreException {
        String name = op.volume();
        Path dir = paths.resolve(name, true);
        String shown = name.isEmpty() ? "/" : name;
        try {
            BasicFileAttributes attrs = VolumePaths.attributes(dir);
            if (attrs == null) {
                throw new StoreException(Status.NOT_FOUND, "directory " + shown + " does not exist");
            }
            if (!attrs.isDirectory()) {
                throw new StoreException(Status.INVALID, shown + " is a volume, not a directory");
            }
            List<Outcome.Entry> entries = new ArrayList<>();
            long frameBytes = LISTING_HEADER_BYTES;
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
                for (Path child : stream) {
                    String entryName = child.getFileName().toString();
                    BasicFileAttributes a = VolumePaths.attributes(child);
                    // links, sockets and names a client could not address are not volumes: leave them out
                    if (a == null || a.isSymbolicLink() || a.isOther() || VolumeName.problem(entryName, false) != null) {
                        continue;
                    }
                    entries.add(new Outcome.Entry(entryName, a.isDirectory(), a.isDirectory() ? 0 : a.size()));
                    frameBytes += ENTRY_FIXED_BYTES + entryName.getBytes(StandardCharsets.UTF_8).length;
                }
            }
            if (frameBytes > limits.maxFrameBytes()) {
                throw new StoreException(Status.INVALID, "directory " + shown + " has " + entries.size()
                        + " entries: too many to list in one frame");
            }
            entries.sort(Comparator.comparing(Outcome.Entry::name));
            return new Outcome.Listing(List.copyOf(entries));
        } catch (IOException e) {
            throw StoreException.io("list directory " + shown, e);
        }
    }

    Outcome stat(Op.Stat op) throws StoreException {
        Path path = paths.resolve(op.volume(), false);
        try {
            BasicFileAttributes attrs = VolumePaths.attributes(path);
            if (attrs == null) {
                return new Outcome.Stat(false, false, 0);
            }
            return new Outcome.Stat(true, attrs.isDirectory(), attrs.isDirectory() ? 0 : attrs.size());
        } catch (IOException e) {
            throw StoreException.io("stat volume " + op.volume(), e);
        }
    }

    Outcome mkdirs(Op.Mkdirs op) throws StoreException {
        String name = op.volume();
        Path dir = paths.resolve(name, false);
        try {
            BasicFileAttributes attrs = VolumePaths.attributes(dir);
            if (attrs != null) {
                if (attrs.isDirectory()) {
                    return Outcome.Done.INSTANCE;
                }
                throw new StoreException(Status.ALREADY_EXISTS, name + " already exists as a volume");
            }
            List<Path> changed = Durability.createDirectories(paths.root(), dir, name);
            durability.fsyncDirectories(changed);
            return Outcome.Done.INSTANCE;
        } catch (IOException e) {
            throw StoreException.io("mkdirs " + name, e);
        }
    }
}
