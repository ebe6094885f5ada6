/*
 * What the kernel charges for each question the registration path asks about a process, in
 * thread CPU time (BENCHMARKS.md, "Sixth session: the same-DOF worker path"):
 *
 *   gcc -O2 -o /tmp/proc-syscalls scripts/bench/c/proc-syscalls.c
 *   sleep 300 & /tmp/proc-syscalls $! $(head -1 /proc/$!/maps | cut -d- -f1); kill $!
 *
 * PID is any process the caller may trace, ADDR a mapped address of it (hex). Prints µs per call,
 * 20,000 calls each.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <poll.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <linux/ioctl.h>
/* linux/fs.h of kernels 6.11+ (Debian 12's headers predate it) */
struct procmap_query { uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode; uint32_t dev_major, dev_minor, vma_name_size, build_id_size; uint64_t vma_name_addr, build_id_addr; };
#define PROCMAP_QUERY _IOWR(0x66, 17, struct procmap_query)
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
static double now(){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
int main(int argc,char**argv){
  int pid=atoi(argv[1]); long addr=strtol(argv[2],0,16); int N=20000; char path[64],buf[4096]; double t;
  snprintf(path,64,"/proc/%d/stat",pid);
  t=now(); for(int i=0;i<N;i++){int fd=open(path,O_RDONLY);struct stat st;fstat(fd,&st);read(fd,buf,1024);read(fd,buf,1024);close(fd);} printf("stat open+fstat+2read+close %.2f us\n",(now()-t)/N);
  int sfd=open(path,O_RDONLY);
  t=now(); for(int i=0;i<N;i++){pread(sfd,buf,1024,0);} printf("stat pread held %.2f us\n",(now()-t)/N);
  snprintf(path,64,"/proc/%d/maps",pid);
  t=now(); for(int i=0;i<N;i++){int fd=open(path,O_RDONLY);close(fd);} printf("maps open+close %.2f us\n",(now()-t)/N);
  int mfd=open(path,O_RDONLY);
  struct procmap_query q; char name[256];
  t=now(); for(int i=0;i<N;i++){memset(&q,0,sizeof q);q.size=sizeof q;q.query_addr=addr;q.vma_name_addr=(uintptr_t)name;q.vma_name_size=256;ioctl(mfd,PROCMAP_QUERY,&q);} printf("query found %.2f us\n",(now()-t)/N);
  t=now(); for(int i=0;i<N;i++){memset(&q,0,sizeof q);q.size=sizeof q;q.query_addr=0x1000;q.vma_name_addr=(uintptr_t)name;q.vma_name_size=256;ioctl(mfd,PROCMAP_QUERY,&q);} printf("query ENOENT %.2f us\n",(now()-t)/N);
  int pfd=syscall(SYS_pidfd_open,pid,0); if(pfd<0)perror("pidfd");
  struct pollfd p={pfd,POLLIN,0};
  t=now(); for(int i=0;i<N;i++){poll(&p,1,0);} printf("pidfd poll %.2f us (rev %d)\n",(now()-t)/N,p.revents);
  t=now(); for(int i=0;i<N;i++){syscall(SYS_pidfd_send_signal,pfd,0,0,0);} printf("pidfd_send_signal 0 %.2f us\n",(now()-t)/N);
  int tfd=syscall(SYS_pidfd_open,pid,PIDFD_THREAD); printf("thread pidfd %d\n",tfd);
  struct iovec l={buf,64},r={(void*)addr,64};
  t=now(); for(int i=0;i<N;i++){process_vm_readv(pid,&l,1,&r,1,0);} printf("vm_readv 64 %.2f us\n",(now()-t)/N);
  l.iov_len=r.iov_len=752;
  t=now(); for(int i=0;i<N;i++){process_vm_readv(pid,&l,1,&r,1,0);} printf("vm_readv 752 %.2f us\n",(now()-t)/N);
  l.iov_len=r.iov_len=4096; r.iov_base=(void*)(addr&~4095L);
  t=now(); for(int i=0;i<N;i++){process_vm_readv(pid,&l,1,&r,1,0);} printf("vm_readv 4096 %.2f us\n",(now()-t)/N);
  t=now(); for(int i=0;i<N;i++){getppid();} printf("getppid %.2f us\n",(now()-t)/N);
  return 0;
}
