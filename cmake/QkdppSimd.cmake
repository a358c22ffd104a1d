# Per-target compilation of dispatched kernels: each SIMD translation unit is built once per
# instruction-set level with that level's flags; kernels/dispatch picks one at run time.
set(QKDPP_SIMD_FLAGS_scalar "")
set(QKDPP_SIMD_FLAGS_sse41 -msse4.1 -mpopcnt -mpclmul)
set(QKDPP_SIMD_FLAGS_avx2 -mavx2 -mfma -mbmi -mbmi2 -mpopcnt -mpclmul)
set(QKDPP_SIMD_FLAGS_avx512 ${QKDPP_SIMD_FLAGS_avx2} -mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mgfni -mvpclmulqdq)

# qkdpp_add_dispatched_sources(<target> <source>...): compiles every source three times, with
# QKDPP_SIMD_LEVEL defined to scalar/sse41/avx2, as an object library linked into <target>.
# qkdpp_add_avx512_sources(<target> <source>...) adds a fourth instance, QKDPP_SIMD_LEVEL avx512,
# for the kernels that have one (the rest dispatch their avx2 instance on AVX-512 CPUs).
function(qkdpp_add_dispatched_sources target)
  qkdpp_add_sources_at_levels(${target} "scalar;sse41;avx2" ${ARGN})
endfunction()

function(qkdpp_add_avx512_sources target)
  qkdpp_add_sources_at_levels(${target} "avx512" ${ARGN})
endfunction()

function(qkdpp_add_sources_at_levels target levels)
  foreach(level ${levels})
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
