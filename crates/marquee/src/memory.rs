//! How the process holds memory. glibc's allocator raises its threshold for giving large blocks
//! straight to the system each time one is freed, so after a burst of big buffers (the sample
//! images `serve --demo` draws, an import's images, share images) it kept tens of megabytes it no
//! longer used for the life of the server. A fixed threshold makes every block above it its own
//! mapping, returned to the system when freed, and lets the heap shrink after the burst.

/// Blocks at least this large are mapped on their own and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const OWN_MAPPING_FROM: libc::c_int = 256 * 1024;

/// Fixes the allocator's thresholds; called once, first thing in `main`, before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn give_back_freed_memory() {
    // SAFETY: mallopt only sets a tuning parameter of glibc's allocator; it is called before
    // any other thread exists, with a documented option and an in-range value.
    let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_FROM) };
    debug_assert_eq!(done, 1, "mallopt(M_MMAP_THRESHOLD) refused");
}

/// Other allocators give freed memory back on their own.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back_freed_memory() {}
