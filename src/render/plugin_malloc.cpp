#include "plugin_malloc.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace dxlatent::render::detail {
namespace {

extern "C" void* dxlatent_plugin_zeroing_malloc(std::size_t size) { return std::calloc(1, size); }

#if __ELF_NATIVE_CLASS == 64
constexpr auto relocation_symbol(ElfW(Xword) info) { return ELF64_R_SYM(info); }
#else
constexpr auto relocation_symbol(ElfW(Word) info) { return ELF32_R_SYM(info); }
#endif

struct DynamicInfo {
  const char* strtab = nullptr;
  const ElfW(Sym)* symtab = nullptr;
  std::uintptr_t jmprel = 0, rela = 0, rel = 0;
  std::size_t pltrelsz = 0, relasz = 0, relsz = 0;
  long pltrel = DT_RELA;
};

// glibc relocates most d_ptr entries of a loaded object in place, but not on
// every architecture: a value below the load base is still an offset.
std::uintptr_t absolute(std::uintptr_t base, std::uintptr_t ptr) { return ptr < base ? base + ptr : ptr; }

// The library's PT_GNU_RELRO range, made read-only by the loader after relocation.
struct Relro {
  std::uintptr_t base = 0, begin = 0, end = 0;
};

int find_relro(struct dl_phdr_info* info, std::size_t, void* data) {
  auto* relro = static_cast<Relro*>(data);
  if (info->dlpi_addr != relro->base) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i)
    if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
      relro->begin = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
      relro->end = relro->begin + info->dlpi_phdr[i].p_memsz;
    }
  return 1;
}

bool write_slot(const Relro& relro, std::uintptr_t slot_address) {
  void** slot = reinterpret_cast<void**>(slot_address);
  void* const target = reinterpret_cast<void*>(&dxlatent_plugin_zeroing_malloc);
  if (*slot == target) return true;
  if (slot_address < relro.begin || slot_address >= relro.end) {  // an ordinary writable GOT
    *slot = target;
    return true;
  }
  const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  void* first = reinterpret_cast<void*>(slot_address & ~(page - 1));
  if (::mprotect(first, page, PROT_READ | PROT_WRITE) != 0) return false;
  *slot = target;
  ::mprotect(first, page, PROT_READ);
  return true;
}

template <typename Rel>
int patch_table(std::uintptr_t base, const Relro& relro, const DynamicInfo& info, std::uintptr_t table, std::size_t bytes) {
  int patched = 0;
  if (!table || !bytes) return 0;
  const Rel* r = reinterpret_cast<const Rel*>(table);
  for (std::size_t i = 0; i < bytes / sizeof(Rel); ++i) {
    const auto sym = relocation_symbol(r[i].r_info);
    if (sym == 0) continue;
    if (std::strcmp(info.strtab + info.symtab[sym].st_name, "malloc") != 0) continue;
    if (write_slot(relro, base + r[i].r_offset)) ++patched;
  }
  return patched;
}

}  // namespace

bool redirect_malloc_to_calloc(void* dl_handle) {
  struct link_map* map = nullptr;
  if (::dlinfo(dl_handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_ld) return false;
  const std::uintptr_t base = map->l_addr;
  DynamicInfo info;
  for (const ElfW(Dyn)* d = map->l_ld; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_STRTAB: info.strtab = reinterpret_cast<const char*>(absolute(base, d->d_un.d_ptr)); break;
      case DT_SYMTAB: info.symtab = reinterpret_cast<const ElfW(Sym)*>(absolute(base, d->d_un.d_ptr)); break;
      case DT_JMPREL: info.jmprel = absolute(base, d->d_un.d_ptr); break;
      case DT_PLTRELSZ: info.pltrelsz = d->d_un.d_val; break;
      case DT_PLTREL: info.pltrel = static_cast<long>(d->d_un.d_val); break;
      case DT_RELA: info.rela = absolute(base, d->d_un.d_ptr); break;
      case DT_RELASZ: info.relasz = d->d_un.d_val; break;
      case DT_REL: info.rel = absolute(base, d->d_un.d_ptr); break;
      case DT_RELSZ: info.relsz = d->d_un.d_val; break;
      default: break;
    }
  }
  if (!info.strtab || !info.symtab) return false;
  Relro relro;
  relro.base = base;
  ::dl_iterate_phdr(find_relro, &relro);
  int patched = 0;
  if (info.pltrel == DT_RELA)
    patched += patch_table<ElfW(Rela)>(base, relro, info, info.jmprel, info.pltrelsz);
  else
    patched += patch_table<ElfW(Rel)>(base, relro, info, info.jmprel, info.pltrelsz);
  patched += patch_table<ElfW(Rela)>(base, relro, info, info.rela, info.relasz);
  patched += patch_table<ElfW(Rel)>(base, relro, info, info.rel, info.relsz);
  return patched > 0;
}

}  // namespace dxlatent::render::detail
