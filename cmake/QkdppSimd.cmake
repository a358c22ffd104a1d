# Per-target compilation of dispatched kernels: each SIMD translation unit is built once per
# instruction-set level with that level's flags; kernels/dispatch picks one at run time.
set(QKDPP_SIMD_FLAGS_scalar "")
set(QKDPP_SIMD_FLAGS_sse41 -msse4.1 -mpopcnt -mpclmul)
set(QKDPP_SIMD_FLAGS_avx2 -mavx2 -mfma -mbmi -mbmi2 -mpopcnt -mpclmul)

# qkdpp_add_dispatched_sources(<target> <source>...): compiles every source three times, with
# QKDPP_SIMD_LEVEL defined to scalar/sse41/avx2, as an object library linked into <target>.
function(qkdpp_add_dispatched_sources target)
  foreach(level scalar sse41 avx2)
    set(objlib ${target}_${level})
    if(NOT TARGET ${objlib})
      add_library(${objlib} OBJECT)
      target_link_libraries(${objlib} PRIVATE qkdpp_build_options xsimd)
      target_include_directories(${objlib} PRIVATE ${PROJECT_SOURCE_DIR})
      target_compile_options(${objlib} PRIVATE ${QKDPP_SIMD_FLAGS_${level}})
      target_compile_definitions(${objlib} PRIVATE QKDPP_SIMD_LEVEL=${level} QKDPP_SIMD_LEVEL_${level}=1)
      target_link_libraries(${target} PRIVATE ${objlib})
    endif()
    target_sources(${objlib} PRIVATE ${ARGN})
  endforeach()
endfunction()
