/*
 * sys.c - the default system call table of the Windows backend (sys.h).
 * The entries are thin wrappers with the shape of the POSIX table's: one
 * call each. PrefetchVirtualMemory and DiscardVirtualMemory are looked up
 * at run time (Windows 8 and 8.1; not every Wine has them): without them
 * the entry fails with ERROR_CALL_NOT_IMPLEMENTED.
 */
#define _WIN32_WINNT 0x0A00
#include <io.h>

#include "sys.h"

static HANDLE
sys_osfhandle(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        SetLastError(ERROR_INVALID_HANDLE);
    return h;
}

static HANDLE
sys_open(const wchar_t *path, DWORD access, DWORD disposition)
{
    return CreateFileW(path, access,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
}

static HANDLE
sys_dup(HANDLE h)
{
    HANDLE self = GetCurrentProcess(), out = NULL;
    if (!DuplicateHandle(self, h, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return NULL;
    return out;
}

static BOOL
sys_file_size(HANDLE h, uint64_t *size)
{
    LARGE_INTEGER li;
    if (!GetFileSizeEx(h, &li))
        return FALSE;
    *size = (uint64_t)li.QuadPart;
    return TRUE;
}

static BOOL
sys_set_file_size(HANDLE h, uint64_t size)
{
    FILE_END_OF_FILE_INFO info;
    info.EndOfFile.QuadPart = (LONGLONG)size;
    return SetFileInformationByHandle(h, FileEndOfFileInfo, &info,
                                      sizeof info);
}

static HANDLE
sys_create_mapping(HANDLE file, DWORD protect, uint64_t size,
                   const wchar_t *name)
{
    return CreateFileMappingW(file, NULL, protect, (DWORD)(size >> 32),
                              (DWORD)size, name);
}

static void *
sys_map_view(HANDLE section, DWORD access, uint64_t offset, size_t length)
{
    return MapViewOfFile(section, access, (DWORD)(offset >> 32), (DWORD)offset,
                         length);
}

static BOOL
sys_unmap_view(void *addr)
{
    return UnmapViewOfFile(addr);
}

static void *
sys_reserve(size_t length)
{
    return VirtualAlloc(NULL, length, MEM_RESERVE, PAGE_NOACCESS);
}

static BOOL
sys_unreserve(void *addr)
{
    return VirtualFree(addr, 0, MEM_RELEASE);
}

static BOOL
sys_flush_view(void *addr, size_t length)
{
    return FlushViewOfFile(addr, length);
}

static BOOL
sys_protect(void *addr, size_t length, DWORD prot, DWORD *old)
{
    return VirtualProtect(addr, length, prot, old);
}

static BOOL
sys_lock(void *addr, size_t length)
{
    return VirtualLock(addr, length);
}

static BOOL
sys_unlock(void *addr, size_t length)
{
    return VirtualUnlock(addr, length);
}

/* kernel32's function of that name, or NULL */
static FARPROC
kernel32_proc(const char *name)
{
    HMODULE k = GetModuleHandleW(L"kernel32.dll");
    return k == NULL ? NULL : GetProcAddress(k, name);
}

static BOOL
sys_working_set(void *entries, DWORD n)
{
    typedef BOOL(WINAPI * fn)(HANDLE, PVOID, DWORD);
    fn query = (fn)(void (*)(void))kernel32_proc("K32QueryWorkingSetEx");
    if (query == NULL) {
        SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
        return FALSE;
    }
    /* one entry is a 16-byte PSAPI_WORKING_SET_EX_INFORMATION on 64-bit */
    return query(GetCurrentProcess(), entries, n * 2 * sizeof(void *));
}

static BOOL
sys_prefetch(void *addr, size_t length)
{
    typedef BOOL(WINAPI * fn)(HANDLE, ULONG_PTR, PWIN32_MEMORY_RANGE_ENTRY,
                              ULONG);
    fn prefetch = (fn)(void (*)(void))kernel32_proc("PrefetchVirtualMemory");
    WIN32_MEMORY_RANGE_ENTRY range = {addr, length};
    if (prefetch == NULL) {
        SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
        return FALSE;
    }
    return prefetch(GetCurrentProcess(), 1, &range, 0);
}

static DWORD
sys_discard(void *addr, size_t length)
{
    typedef DWORD(WINAPI * fn)(PVOID, SIZE_T);
    fn discard = (fn)(void (*)(void))kernel32_proc("DiscardVirtualMemory");
    return discard == NULL ? ERROR_CALL_NOT_IMPLEMENTED
                           : discard(addr, length);
}

#define MMF_SYS_DEFAULT                                                       \
    {                                                                         \
        .osfhandle = sys_osfhandle,                                           \
        .file_type = GetFileType,                                             \
        .open = sys_open,                                                     \
        .dup = sys_dup,                                                       \
        .close = CloseHandle,                                                 \
        .file_size = sys_file_size,                                           \
        .set_file_size = sys_set_file_size,                                   \
        .create_mapping = sys_create_mapping,                                 \
        .map_view = sys_map_view,                                             \
        .unmap_view = sys_unmap_view,                                         \
        .reserve = sys_reserve,                                               \
        .unreserve = sys_unreserve,                                           \
        .flush_view = sys_flush_view,                                         \
        .flush_file = FlushFileBuffers,                                       \
        .protect = sys_protect,                                               \
        .lock = sys_lock,                                                     \
        .unlock = sys_unlock,                                                 \
        .working_set = sys_working_set,                                       \
        .prefetch = sys_prefetch,                                             \
        .discard = sys_discard,                                               \
    }

const struct mmf__sys mmf__sys_default = MMF_SYS_DEFAULT;
struct mmf__sys mmf__sys = MMF_SYS_DEFAULT;
