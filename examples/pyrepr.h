/* pyrepr.h - print bytes the way Python's repr() of a bytes object does,
 * so that the C examples print exactly what the Python ones print. */
#ifndef MMF_EXAMPLES_PYREPR_H
#define MMF_EXAMPLES_PYREPR_H

#include <stdio.h>

static void
print_bytes(const unsigned char *p, size_t n)
{
    int quote = '\'';
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\'')
            quote = '"';
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"' && quote == '"')
            quote = '\'';
    printf("b%c", quote);
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c == '\\' || c == (unsigned)quote)
            printf("\\%c", c);
        else if (c == '\n')
            printf("\\n");
        else if (c == '\r')
            printf("\\r");
        else if (c == '\t')
            printf("\\t");
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar((int)c);
    }
    printf("%c\n", quote);
}

#endif
