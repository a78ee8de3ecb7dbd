/* `hxc verify`: the client's certificate verification on files. */
#ifndef HXC_CLI_VERIFY_H
#define HXC_CLI_VERIFY_H

/* argv[0] is "verify". Prints OK (returns 0), REJECT <reason> (returns 1),
 * or usage / file errors on stderr (returns 2). */
int hxc__cli_verify(int argc, char **argv);

#endif
