/*
 * status.c - names and descriptions of the statuses, from MMF_STATUS_MAP.
 */
#include "internal.h"

const char *
mmf_strerror(int status)
{
    switch (status) {
#define MMF_STATUS_TEXT_(name, value, text)                                   \
    case value:                                                               \
        return text;
        MMF_STATUS_MAP(MMF_STATUS_TEXT_)
#undef MMF_STATUS_TEXT_
    }
    return "unknown status";
}

const char *
mmf_status_name(int status)
{
    switch (status) {
#define MMF_STATUS_NAME_(name, value, text)                                   \
    case value:                                                               \
        return "MMF_" #name;
        MMF_STATUS_MAP(MMF_STATUS_NAME_)
#undef MMF_STATUS_NAME_
    }
    return "MMF_UNKNOWN";
}
