// Writing output files safely: what every file a `precept` command writes
// (`run` -o/--rejects/--summary-csv/--explain, `compile -o`, `diff -o`,
// `fmt -w`) is made with, for any program that writes results beside files
// other users may touch (README, "Outputs"). One rule:
//   - it is written to a new file beside its final name, created with
//     O_CREAT|O_EXCL|O_NOFOLLOW and a random name (`<name>.partial-<16 hex>`),
//     so a link planted in the folder is never followed, and renamed over the
//     final name only when complete;
//   - a file it replaces keeps its permission bits (set with fchmod on the new
//     file, never by path); a new one gets 0666 less the umask;
//   - a final name that is a symbolic link is refused, unless it leads to a
//     terminal, a pipe or a device such as /dev/null, which is written in
//     place; a directory, disk device or socket is refused; /dev/stdout is
//     standard output, whatever it leads to;
//   - a signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE) or a failed allocation
//     removes the temporary files before the process ends (with
//     install_output_cleanup()); an OutputFile destroyed before it is
//     published removes its own. Not for several threads at once on one
//     OutputFile; distinct OutputFiles may be used from distinct threads.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace precept {

// "out of memory: ...", for a std::bad_alloc caught at the top of a command.
const char* out_of_memory_message();

// For a program (the CLI, a batch job) whose outputs must not be left half
// written: call once, early in main. Installs handlers that remove this
// process's temporary files on SIGINT, SIGTERM, SIGHUP and SIGPIPE (then die
// of the signal, so the exit status still says which), and a terminate
// handler that, for a std::bad_alloc escaping any thread, removes them, prints
// out_of_memory_message() and exits with `out_of_memory_exit_status` (the
// CLI's is 6). A library or a service with its own signal handling need not
// call it: OutputFile cleans up after itself whenever it is destroyed unpublished.
void install_output_cleanup(int out_of_memory_exit_status);

class OutputFile {
 public:
  // `path` "-", "" or "/dev/stdout" is standard output. `role` names the output in messages:
  // "the results", "the rejects", ...
  OutputFile(std::string path, std::string role);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Null when the file could not be created: error() says why.
  std::FILE* stream() const { return stream_; }
  const std::string& error() const { return error_; }
  const std::string& role() const { return role_; }
  // "the rejects (`r.csv`)", or just the role for standard output.
  std::string name() const;
  bool is_stdout() const { return stream_ == stdout; }

  // Ends the writing (flushed, and on the disk for a file); whether it all went well.
  bool finish();
  // Starts writing what has been written so far out to the disk, without
  // waiting, so that finish() finds little left to do.
  void write_behind();

 private:
  friend bool publish(const std::vector<OutputFile*>& outputs, std::string& error);
  bool open_in_place(const std::string& base);
  bool create_temporary(const std::string& base);

  std::string path_, role_, error_;
  std::string base_;               // the final name in its folder
  std::string temp_;               // the temporary file's name in that folder; empty when none
  std::string aside_;              // where publish() moves the file it replaces, for a moment
  int folder_ = -1;                // the destination's folder, held open: every name is relative to it
  std::FILE* stream_ = nullptr;
  bool published_ = false;
  int slot_ = -1;                  // in the signal handler's list of temporary files
};

// Renames every finished output into place, so that a reader sees the old set
// of outputs, some of them missing, or the new set, never old ones mixed with
// new ones: with several outputs, the old files are first moved aside, then
// the new ones put in place, then the old ones removed; if any step fails the
// old set is put back. Signals wait until it is done. False, with what went
// wrong in `error`, when nothing was published.
bool publish(const std::vector<OutputFile*>& outputs, std::string& error);

// A file a command reads or writes, as named in messages: {"the policy", "p.pol"}.
struct NamedFile {
  std::string role, path;
};

// Whether an output would overwrite an input, or two outputs one another:
// compared by identity (device and inode), so a different spelling, a hard
// link or a symbolic link is caught too. Standard input and output ("-" or "")
// and devices such as /dev/null are left out. Returns what clashes, for an
// error message, or "".
std::string clashing_files(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs);

}  // namespace precept
