/* The record execsnoop.bpf.c sends for each successful execve(); the C# side gets it from BTF (ExecsnoopBpf.ExecEvent). */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

#define MAX_ARGS 20      /* the file name and the first 19 arguments; more are shown as " ..." */
#define ARG_SIZE 128     /* each one cut at 127 bytes */
#define ARGS_SIZE (MAX_ARGS * ARG_SIZE)

struct exec_event {
	__u32 pid;
	__u32 ppid;
	__s32 retval;
	__u32 args_count;    /* strings in args; MAX_ARGS + 1 when argv had more */
	__u32 args_size;     /* bytes of args used, NULs included */
	char comm[16];       /* the command after exec */
	char args[ARGS_SIZE];
};

#endif
