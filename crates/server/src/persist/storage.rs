//! The storage seam under the txn log: a [`LogFile`] is one `log.<zxid>` file, a [`LogDir`]
//! creates them. [`FileDir`]/[`FileLog`] are the real thing; [`MemDir`]/[`MemLog`] keep bytes
//! in memory (and what was synced, to model a crash); [`FaultyDir`] wraps either and makes the
//! Nth operation fail (redb's `StorageBackend` + `FuzzerBackend` countdown, design §3 item 13).
//!
//! Counterpart of the `FileOutputStream`/`FileChannel` pair `FileTxnLog` writes through.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// One log file. Offsets are absolute; the writer tracks its own position because
/// preallocation makes the file longer than its contents.
#[allow(clippy::len_without_is_empty)] // a file's length is a size, not a collection's
pub trait LogFile: Send {
    /// Writes all of `buf` at `offset`.
    ///
    /// # Errors
    /// The I/O error; some prefix of `buf` may have been written.
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()>;
    /// Makes everything written so far durable (`fdatasync`).
    ///
    /// # Errors
    /// The I/O error. After a failed sync nothing written since the last good sync may be
    /// assumed durable (fsyncgate): the caller must stop.
    fn sync(&mut self) -> io::Result<()>;
    /// Reads up to `buf.len()` bytes at `offset`; returns how many (0 at the end).
    ///
    /// # Errors
    /// The I/O error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// The file's length, preallocation included.
    ///
    /// # Errors
    /// The I/O error.
    fn len(&self) -> io::Result<u64>;
    /// Extends (with zeros) or truncates the file.
    ///
    /// # Errors
    /// The I/O error.
    fn set_len(&mut self, len: u64) -> io::Result<()>;
}

/// Where log files are created.
pub trait LogDir: Send + Sync + std::fmt::Debug {
    /// Creates (or truncates) the file `name` and makes its directory entry durable.
    ///
    /// # Errors
    /// The I/O error.
    fn create(&self, name: &str) -> io::Result<Box<dyn LogFile>>;
    /// The path of `name`, for messages.
    fn path_of(&self, name: &str) -> PathBuf;
}

/// A real file.
#[derive(Debug)]
pub struct FileLog {
    file: File,
}

impl FileLog {
    /// Wraps an open file.
    pub fn new(file: File) -> Self {
        Self { file }
    }

    /// Opens `path` for reading and writing.
    ///
    /// # Errors
    /// The I/O error.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(Self { file })
    }
}

impl LogFile for FileLog {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        FileExt::read_at(&self.file, buf, offset)
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}

/// A directory of real files (`dataLogDir/version-2`).
#[derive(Debug, Clone)]
pub struct FileDir {
    dir: PathBuf,
}

impl FileDir {
    /// The directory `dir` (which must exist).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

/// fsyncs a directory so that a file created (or renamed, or removed) in it survives a crash.
///
/// # Errors
/// The I/O error.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl LogDir for FileDir {
    fn create(&self, name: &str) -> io::Result<Box<dyn LogFile>> {
        let path = self.dir.join(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        sync_dir(&self.dir)?;
        Ok(Box::new(FileLog::new(file)))
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The bytes of an in-memory file: what a reader sees now, and what survived the last sync.
#[derive(Debug, Default, Clone)]
pub struct MemContents {
    /// Current contents (the page cache).
    pub data: Vec<u8>,
    /// Contents as of the last successful sync (the disk).
    pub durable: Vec<u8>,
}

/// An in-memory file, shared with the test that inspects it.
#[derive(Debug, Clone, Default)]
pub struct MemLog {
    inner: Arc<Mutex<MemContents>>,
}

impl MemLog {
    /// A snapshot of the contents.
    pub fn contents(&self) -> MemContents {
        self.inner.lock().expect("mem log lock").clone()
    }
}

impl LogFile for MemLog {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        let mut c = self.inner.lock().expect("mem log lock");
        let end = offset as usize + buf.len();
        if c.data.len() < end {
            c.data.resize(end, 0);
        }
        c.data[offset as usize..end].copy_from_slice(buf);
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        let mut c = self.inner.lock().expect("mem log lock");
        c.durable = c.data.clone();
        Ok(())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let c = self.inner.lock().expect("mem log lock");
        let start = (offset as usize).min(c.data.len());
        let n = buf.len().min(c.data.len() - start);
        buf[..n].copy_from_slice(&c.data[start..start + n]);
        Ok(n)
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.inner.lock().expect("mem log lock").data.len() as u64)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.inner
            .lock()
            .expect("mem log lock")
            .data
            .resize(len as usize, 0);
        Ok(())
    }
}

/// An in-memory directory: every file it created, by name.
#[derive(Debug, Clone, Default)]
pub struct MemDir {
    files: Arc<Mutex<Vec<(String, MemLog)>>>,
}

impl MemDir {
    /// The files created so far, in creation order.
    pub fn files(&self) -> Vec<(String, MemLog)> {
        self.files.lock().expect("mem dir lock").clone()
    }
}

impl LogDir for MemDir {
    fn create(&self, name: &str) -> io::Result<Box<dyn LogFile>> {
        let log = MemLog::default();
        let mut files = self.files.lock().expect("mem dir lock");
        files.retain(|(n, _)| n != name);
        files.push((name.to_owned(), log.clone()));
        Ok(Box::new(log))
    }

    fn path_of(&self, name: &str) -> PathBuf {
        PathBuf::from("mem").join(name)
    }
}

/// What goes wrong when a [`Faults`] countdown reaches zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The write fails with this OS error (e.g. `ENOSPC` = 28, `EIO` = 5) and writes nothing.
    WriteError(i32),
    /// The write stores only the first half of its buffer, then fails with `EIO`.
    ShortWrite,
    /// The sync fails with `EIO`.
    SyncError,
    /// Creating a file fails with this OS error.
    CreateError(i32),
}

/// A shared fault plan: after `countdown` more operations of the fault's kind, the next one
/// fails, and so does every later one (a failed disk stays failed).
#[derive(Debug)]
pub struct Faults {
    fault: Fault,
    countdown: AtomicI64,
    tripped: AtomicBool,
}

impl Faults {
    /// Fails the operation after `ops_before` successful ones of the fault's kind.
    pub fn new(fault: Fault, ops_before: u64) -> Arc<Self> {
        Arc::new(Self {
            fault,
            countdown: AtomicI64::new(ops_before as i64),
            tripped: AtomicBool::new(false),
        })
    }

    /// Whether the fault has fired.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }

    /// Counts one operation of `kind`; true when it must fail.
    fn hit(&self, kind: FaultKind) -> bool {
        if self.fault.kind() != kind {
            return false;
        }
        if self.tripped() {
            return true;
        }
        if self.countdown.fetch_sub(1, Ordering::SeqCst) <= 0 {
            self.tripped.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    Write,
    Sync,
    Create,
}

impl Fault {
    fn kind(self) -> FaultKind {
        match self {
            Fault::WriteError(_) | Fault::ShortWrite => FaultKind::Write,
            Fault::SyncError => FaultKind::Sync,
            Fault::CreateError(_) => FaultKind::Create,
        }
    }
}

const EIO: i32 = 5;

/// A [`LogFile`] that obeys a [`Faults`] plan.
#[derive(Debug)]
pub struct FaultyLog<F> {
    inner: F,
    faults: Arc<Faults>,
}

impl<F: LogFile> LogFile for FaultyLog<F> {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        if self.faults.hit(FaultKind::Write) {
            return match self.faults.fault {
                Fault::ShortWrite => {
                    self.inner.write_at(offset, &buf[..buf.len() / 2])?;
                    Err(io::Error::from_raw_os_error(EIO))
                }
                Fault::WriteError(code) => Err(io::Error::from_raw_os_error(code)),
                _ => unreachable!("write faults only"),
            };
        }
        self.inner.write_at(offset, buf)
    }

    fn sync(&mut self) -> io::Result<()> {
        if self.faults.hit(FaultKind::Sync) {
            return Err(io::Error::from_raw_os_error(EIO));
        }
        self.inner.sync()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_at(offset, buf)
    }

    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)
    }
}

/// A [`LogDir`] whose files obey one shared [`Faults`] plan.
#[derive(Debug, Clone)]
pub struct FaultyDir<D> {
    inner: D,
    faults: Arc<Faults>,
}

impl<D: LogDir> FaultyDir<D> {
    /// Wraps `inner`.
    pub fn new(inner: D, faults: Arc<Faults>) -> Self {
        Self { inner, faults }
    }
}

/// A boxed file wrapped again (the trait object itself is a `LogFile`).
impl LogFile for Box<dyn LogFile> {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        (**self).write_at(offset, buf)
    }
    fn sync(&mut self) -> io::Result<()> {
        (**self).sync()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        (**self).set_len(len)
    }
}

impl<D: LogDir> LogDir for FaultyDir<D> {
    fn create(&self, name: &str) -> io::Result<Box<dyn LogFile>> {
        if self.faults.hit(FaultKind::Create) {
            if let Fault::CreateError(code) = self.faults.fault {
                return Err(io::Error::from_raw_os_error(code));
            }
        }
        let inner = self.inner.create(name)?;
        Ok(Box::new(FaultyLog {
            inner,
            faults: Arc::clone(&self.faults),
        }))
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.inner.path_of(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_log_keeps_only_synced_bytes_as_durable() {
        let dir = MemDir::default();
        let mut f = dir.create("log.1").expect("create");
        f.write_at(0, b"abc").expect("write");
        f.sync().expect("sync");
        f.write_at(3, b"def").expect("write");
        let c = dir.files()[0].1.contents();
        assert_eq!(c.data, b"abcdef");
        assert_eq!(c.durable, b"abc");
    }

    #[test]
    fn countdown_fails_the_nth_write_and_every_later_one() {
        let faults = Faults::new(Fault::WriteError(28), 2);
        let dir = FaultyDir::new(MemDir::default(), Arc::clone(&faults));
        let mut f = dir.create("log.1").expect("create");
        f.write_at(0, b"a").expect("first");
        f.sync().expect("syncs are not counted");
        f.write_at(1, b"b").expect("second");
        let e = f.write_at(2, b"c").expect_err("third fails");
        assert_eq!(e.raw_os_error(), Some(28));
        assert!(faults.tripped());
        assert!(f.write_at(2, b"c").is_err(), "a failed disk stays failed");
    }

    #[test]
    fn short_write_stores_half_the_buffer() {
        let inner = MemDir::default();
        let dir = FaultyDir::new(inner.clone(), Faults::new(Fault::ShortWrite, 0));
        let mut f = dir.create("log.1").expect("create");
        assert!(f.write_at(0, b"abcd").is_err());
        assert_eq!(inner.files()[0].1.contents().data, b"ab");
    }

    #[test]
    fn file_log_writes_reads_and_truncates() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = FileDir::new(tmp.path());
        let mut f = dir.create("log.1").expect("create");
        f.write_at(0, b"hello").expect("write");
        f.set_len(100).expect("extend");
        assert_eq!(f.len().expect("len"), 100);
        let mut buf = [0u8; 8];
        assert_eq!(f.read_at(3, &mut buf).expect("read"), 8);
        assert_eq!(&buf[..2], b"lo");
        f.set_len(5).expect("truncate");
        f.sync().expect("sync");
        assert_eq!(
            std::fs::read(tmp.path().join("log.1")).expect("read"),
            b"hello"
        );
    }
}
