/*
 * sys.h - the Windows system call table (SQLite's aSyscall idea, as
 * src/posix/sys.h). Every call to the system that libmmf's Windows backend
 * makes goes through mmf__sys, so that tests can replace an entry to
 * inject a failure. A failing entry returns its failure value (FALSE,
 * NULL) with the error in GetLastError(), as the call it stands for.
 * Production code never writes to the table.
 */
#ifndef MMF_WIN_SYS_H
#define MMF_WIN_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

struct mmf__sys {
    /* _get_osfhandle(): the HANDLE of a C runtime descriptor, or
     * INVALID_HANDLE_VALUE (error ERROR_INVALID_HANDLE) */
    HANDLE (*osfhandle)(int fd);
    /* GetFileType() */
    DWORD (*file_type)(HANDLE h);
    /* CreateFileW(path, access, all sharing, NULL, disposition, normal) */
    HANDLE (*open)(const wchar_t *path, DWORD access, DWORD disposition);
    /* DuplicateHandle() in this process, same access; NULL on failure */
    HANDLE (*dup)(HANDLE h);
    BOOL (*close)(HANDLE h);
    /* GetFileSizeEx() */
    BOOL (*file_size)(HANDLE h, uint64_t *size);
    /* SetFileInformationByHandle(FileEndOfFileInfo): set the file's size */
    BOOL (*set_file_size)(HANDLE h, uint64_t size);
    /* CreateFileMappingW(file, NULL, protect, size, name); file may be
     * INVALID_HANDLE_VALUE (the paging file) */
    HANDLE (*create_mapping)(HANDLE file, DWORD protect, uint64_t size,
                             const wchar_t *name);
    /* MapViewOfFile(section, access, offset, length) */
    void *(*map_view)(HANDLE section, DWORD access, uint64_t offset,
                      size_t length);
    BOOL (*unmap_view)(void *addr);
    /* VirtualAlloc(NULL, length, MEM_RESERVE, PAGE_NOACCESS) and
     * VirtualFree(addr, 0, MEM_RELEASE): the stand-in of an empty map */
    void *(*reserve)(size_t length);
    BOOL (*unreserve)(void *addr);
    BOOL (*flush_view)(void *addr, size_t length);
    BOOL (*flush_file)(HANDLE h);
    BOOL (*protect)(void *addr, size_t length, DWORD prot, DWORD *old);
    BOOL (*lock)(void *addr, size_t length);
    BOOL (*unlock)(void *addr, size_t length);
    /* QueryWorkingSetEx() of this process over n entries of
     * PSAPI_WORKING_SET_EX_INFORMATION */
    BOOL (*working_set)(void *entries, DWORD n);
    /* PrefetchVirtualMemory() of one range of this process (Windows 8) */
    BOOL (*prefetch)(void *addr, size_t length);
    /* DiscardVirtualMemory() (Windows 8.1): 0 or a Win32 error; it does
     * not set the last error. */
    DWORD (*discard)(void *addr, size_t length);
};

extern struct mmf__sys mmf__sys;

/* The original table, for tests to restore entries from. */
extern const struct mmf__sys mmf__sys_default;

#endif /* MMF_WIN_SYS_H */
